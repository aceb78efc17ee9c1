/// The gateway runtime: site config, bus workers, point table, alarms, outbox, uplink, supervisor.
public enum FieldRuntime {}
