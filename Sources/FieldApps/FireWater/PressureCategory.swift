/// What a pressure point measures, and the limits GB 50974-2014 sets for it (MPa). A category
/// gives the defaults; a site may override every one.
public enum PressureCategory: String, Sendable, CaseIterable, Hashable {
    /// Municipal hydrant network: normal pressure ≥ 0.14 MPa.
    case municipalHydrant = "municipal-hydrant"
    /// Roof tank static pressure at the lowest effective level, high-rise residential, class-2
    /// high-rise public and multi-storey public buildings: ≥ 0.07 MPa.
    case roofTankResidential = "roof-tank-residential"
    /// Roof tank static pressure, class-1 high-rise public buildings: ≥ 0.10 MPa.
    case roofTankPublic = "roof-tank-public"
    /// Roof tank static pressure, class-1 high-rise public buildings above 100 m: ≥ 0.15 MPa.
    case roofTankOver100m = "roof-tank-over-100m"
    /// Sprinkler system: ≥ 0.10 MPa.
    case sprinkler
    /// Indoor hydrant outlet: ≥ 0.25 MPa, ≤ 0.50 MPa.
    case indoorHydrant = "indoor-hydrant"
    /// Indoor hydrant outlet in high-rises, factories, warehouses and halls over 8 m:
    /// ≥ 0.35 MPa, ≤ 0.50 MPa.
    case indoorHydrantHigh = "indoor-hydrant-high"
    /// Anything else: the site gives `low` and/or `high`.
    case custom

    /// The low-pressure limit (MPa), if the standard gives one.
    public var low: Double? {
        switch self {
        case .municipalHydrant: 0.14
        case .roofTankResidential: 0.07
        case .roofTankPublic, .sprinkler: 0.10
        case .roofTankOver100m: 0.15
        case .indoorHydrant: 0.25
        case .indoorHydrantHigh: 0.35
        case .custom: nil
        }
    }

    /// The high-pressure limit (MPa), if the standard gives one. The indoor hydrant's 0.50 MPa
    /// is a limit on dynamic outlet pressure; a static reading above it still means the
    /// pressure reduction is missing or has failed.
    public var high: Double? {
        switch self {
        case .indoorHydrant, .indoorHydrantHigh: 0.50
        default: nil
        }
    }
}
