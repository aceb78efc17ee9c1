/// What a pressure point measures, and the limits GB 50974-2014 sets for it (MPa). A category
/// gives the defaults; a site may override every one.
///
/// Two kinds of criteria, kept apart because the standard keeps them apart:
/// - **standby (static)**: what the pressure must be while no water flows, which is what a monitor
///   sees nearly all the time — `low` and `high`;
/// - **flowing (dynamic)**: what an outlet must deliver while water flows (§7.4.12) — `flowingLow`
///   and `flowingHigh`, judged only while the point's `flowing` signal says water flows.
/// The roof-tank, sprinkler and jockey-pump figures are the static pressure at the system's **most
/// unfavourable point** (the highest, farthest outlet), as §5.2.2 and §5.3.3 mean them: put the
/// transmitter there, or give a `low` corrected for its height.
package enum PressureCategory: String, Sendable, CaseIterable, Hashable {
    /// Municipal hydrant network, normal operating pressure ≥ 0.14 MPa (§7.2.8).
    case municipalHydrant = "municipal-hydrant"
    /// Roof tank, static pressure at the most unfavourable point ≥ 0.07 MPa: high-rise residential,
    /// class-2 high-rise public and multi-storey public buildings (§5.2.2 item 2).
    case roofTankResidential = "roof-tank-residential"
    /// The same, class-1 high-rise public buildings: ≥ 0.10 MPa (§5.2.2 item 1).
    case roofTankPublic = "roof-tank-public"
    /// The same, class-1 high-rise public buildings above 100 m: ≥ 0.15 MPa (§5.2.2 item 1).
    case roofTankOver100m = "roof-tank-over-100m"
    /// The same, industrial buildings: ≥ 0.10 MPa (§5.2.2 item 3).
    case roofTankIndustrial = "roof-tank-industrial"
    /// The same, industrial buildings under 20 000 m³: ≥ 0.07 MPa ("should", §5.2.2 item 3).
    case roofTankIndustrialSmall = "roof-tank-industrial-small"
    /// Sprinkler and other automatic water systems: ≥ 0.10 MPa static at the most unfavourable
    /// point (§5.2.2 item 4).
    case sprinkler
    /// A system held by a jockey pump where the roof tank cannot give the static pressure: more
    /// than 0.15 MPa static at the most unfavourable outlet in standby (§5.3.3 item 3).
    case jockeyPump = "jockey-pump"
    /// Indoor hydrant outlet. Standby: no lower static limit of its own (the most unfavourable
    /// outlet's is the roof tank's or jockey pump's category), ≤ 1.0 MPa static (above it the
    /// system must be zoned, §6.2.1). Flowing: ≥ 0.25 MPa, ≤ 0.50 MPa (§7.4.12).
    case indoorHydrant = "indoor-hydrant"
    /// The same in high-rises, factories, warehouses and halls over 8 m: flowing ≥ 0.35 MPa.
    case indoorHydrantHigh = "indoor-hydrant-high"
    /// Anything else: the site gives `low` and/or `high`.
    case custom

    /// The standby (static) low limit (MPa), if the standard gives one.
    package var low: Double? {
        switch self {
        case .municipalHydrant: 0.14
        case .roofTankResidential, .roofTankIndustrialSmall: 0.07
        case .roofTankPublic, .roofTankIndustrial, .sprinkler: 0.10
        case .roofTankOver100m, .jockeyPump: 0.15
        case .indoorHydrant, .indoorHydrantHigh, .custom: nil
        }
    }

    /// The standby (static) high limit (MPa). Only the indoor hydrant has one: a static pressure
    /// above 1.0 MPa at an outlet means the zone is not what it was designed as (§6.2.1). A
    /// static reading above §7.4.12's 0.50 MPa is normal on lower floors: pressure-reducing
    /// hydrants act only while water flows.
    package var high: Double? {
        switch self {
        case .indoorHydrant, .indoorHydrantHigh: 1.0
        default: nil
        }
    }

    /// The flowing (dynamic) low limit at the outlet (MPa), §7.4.12.
    package var flowingLow: Double? {
        switch self {
        case .indoorHydrant: 0.25
        case .indoorHydrantHigh: 0.35
        default: nil
        }
    }

    /// The flowing (dynamic) high limit at the outlet (MPa), §7.4.12 (above 0.70 MPa reduction is mandatory).
    package var flowingHigh: Double? {
        switch self {
        case .indoorHydrant, .indoorHydrantHigh: 0.50
        default: nil
        }
    }

    /// The clause the category's figures come from, for messages and docs.
    package var clause: String {
        switch self {
        case .municipalHydrant: "GB 50974-2014 §7.2.8"
        case .roofTankResidential, .roofTankPublic, .roofTankOver100m, .roofTankIndustrial, .roofTankIndustrialSmall, .sprinkler:
            "GB 50974-2014 §5.2.2"
        case .jockeyPump: "GB 50974-2014 §5.3.3"
        case .indoorHydrant, .indoorHydrantHigh: "GB 50974-2014 §6.2.1 (standby), §7.4.12 (flowing)"
        case .custom: "site"
        }
    }
}
