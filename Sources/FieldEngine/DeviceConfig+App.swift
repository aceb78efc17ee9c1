import FieldApps
import FieldCore
import FieldDevices

extension DeviceConfig {
    /// The device's points as its app sees them.
    package var appPoints: [String: AppPointInfo] {
        var points: [String: AppPointInfo] = [:]
        for p in profile.points { points[p.name] = AppPointInfo(unit: p.engineeringUnit, writable: p.isWritable) }
        for s in profile.signals where signals[s.name] != nil {
            points[s.name] = AppPointInfo(writable: s.direction == .output, isSignal: true)
        }
        return points
    }

    /// Builds the device's app from its settings, reporting problems (an app this firmware lacks,
    /// settings for a profile without an app, the app's own settings errors) at their JSON paths.
    /// - Parameter index: the device's position in the site's `devices`, for error paths.
    package func makeApp(factories: [String: any DeviceAppFactory], site: SiteDetails, index: Int, issues: JSONReader) -> (any DeviceApp)? {
        guard let name = profile.app else {
            if settings != nil { issues.report(settingsPath, "profile \(profile.id) has no app, so the device takes no settings") }
            return nil
        }
        guard let factory = factories[name] else {
            issues.report(JSONPath.root.key("devices").index(index).key("profile"),
                          "profile \(profile.id) names app \"\(name)\", which this firmware does not have")
            return nil
        }
        let info = SiteInfo(id: site.id, latitude: site.latitude, longitude: site.longitude, utcOffsetMinutes: site.utcOffsetMinutes)
        let context = AppContext(deviceID: id, profileID: profile.id, points: appPoints, site: info)
        // No settings is an empty object, so an app's required settings are reported as missing.
        let reader = issues.object(settings ?? .object([:]), at: settingsPath)
        defer { reader?.finish() }
        return factory.make(context: context, settings: reader)
    }
}
