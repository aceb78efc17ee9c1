/// The simulator: device models, Modbus servers, GPIO server, scenarios.
public enum FieldSim {}
