#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension SystemError {
    /// The errno values code outside FieldSystem names (the C constants stay here), in the
    /// spirit of swift-system's `Errno` cases.
    package enum Code {
        /// `EINTR`: a signal interrupted the call.
        package static let interrupted = EINTR
        /// `EAGAIN`: nothing to read or no room to write on a non-blocking descriptor.
        package static let wouldBlock = EAGAIN
        /// `EPIPE`: the other end has gone.
        package static let brokenPipe = EPIPE
        /// `ECONNRESET`: the peer reset the connection.
        package static let connectionReset = ECONNRESET
        /// `EIO`: an I/O error; a pty whose other end closed.
        package static let ioError = EIO
        /// `ENOTSOCK`: not a socket.
        package static let notSocket = ENOTSOCK
        /// `ETIMEDOUT`.
        package static let timedOut = ETIMEDOUT
        /// `ECANCELED`.
        package static let canceled = ECANCELED
        /// `ENAMETOOLONG`.
        package static let nameTooLong = ENAMETOOLONG
        /// `ENOENT`: nothing at that path.
        package static let notFound = ENOENT
        /// `ECONNREFUSED`: nobody listens there.
        package static let connectionRefused = ECONNREFUSED
        /// `EEXIST`: something is at that path already.
        package static let alreadyExists = EEXIST
    }
}
