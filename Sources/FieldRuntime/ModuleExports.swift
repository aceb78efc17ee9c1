// The runtime is split by what it does (docs/architecture.md): the console, the daemon, the bench
// and the tests see the engine, the store and the uplink through `import FieldRuntime`, as before
// the split, so that code importing the runtime did not have to change with it.
@_exported import FieldEngine
@_exported import FieldStore
@_exported import FieldSystem
@_exported import FieldUplink
