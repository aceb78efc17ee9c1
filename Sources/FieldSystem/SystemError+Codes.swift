#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension SystemError {
    /// The errno values code outside FieldSystem names (the C constants stay here), in the
    /// spirit of swift-system's `Errno` cases.
    public enum Code {
        /// `EINTR`: a signal interrupted the call.
        public static let interrupted = EINTR
        /// `EAGAIN`: nothing to read or no room to write on a non-blocking descriptor.
        public static let wouldBlock = EAGAIN
        /// `EPIPE`: the other end has gone.
        public static let brokenPipe = EPIPE
        /// `ECONNRESET`: the peer reset the connection.
        public static let connectionReset = ECONNRESET
        /// `EIO`: an I/O error; a pty whose other end closed.
        public static let ioError = EIO
        /// `ENOTSOCK`: not a socket.
        public static let notSocket = ENOTSOCK
        /// `ETIMEDOUT`.
        public static let timedOut = ETIMEDOUT
        /// `ECANCELED`.
        public static let canceled = ECANCELED
        /// `ENAMETOOLONG`.
        public static let nameTooLong = ENAMETOOLONG
        /// `ENOENT`: nothing at that path.
        public static let notFound = ENOENT
        /// `ECONNREFUSED`: nobody listens there.
        public static let connectionRefused = ECONNREFUSED
        /// `EEXIST`: something is at that path already.
        public static let alreadyExists = EEXIST
    }
}
