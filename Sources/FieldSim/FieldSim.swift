// The simulator's users (fieldsim, fieldbench, the test support) see the system layer too:
// ChildProcess, Waiting and CleanSpawn were FieldSim's before FieldSystem took them.
@_exported import FieldSystem
