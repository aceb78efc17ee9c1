extension CommandRegistry {
    /// Every console command.
    static func standard() -> CommandRegistry {
        var r = CommandRegistry()
        r.addSystemCommands()
        r.addStatusCommands()
        r.addConfigCommands()
        r.addModbusCommands()
        r.addSiteCommands()
        return r
    }
}
