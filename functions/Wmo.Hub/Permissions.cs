namespace Wmo.Hub;

/// <summary>What a caller can do to the hub's alerts, people and operations (README "Authorisation").</summary>
public enum HubAction
{
    /// <summary>See an alert (list, API and dashboard).</summary>
    ReadAlert,

    /// <summary>Put a note on an alert and mark it "in behandeling".</summary>
    AcknowledgeAlert,

    /// <summary>Close an alert by hand ("opgelost").</summary>
    CloseAlert,

    /// <summary>Print the resident's letter of a stapelfactuur alert (it names the resident).</summary>
    ReadLetter,

    /// <summary>Send a person's current WMO405 to the CAK again.</summary>
    ResendToCak,

    /// <summary>List poisoned messages and replay one.</summary>
    ReplayPoison,

    /// <summary>Run the detection scan for a day.</summary>
    RunScan,

    /// <summary>Read the storage operations an instance sent (its storage budget and cost).</summary>
    ReadStorageMeter,
}

/// <summary>
/// The one place that decides who may do what: roles × actions, with the subject's gemeente, aanbieder and owner.
/// Reading follows involvement (a gemeente its own gemeente, an aanbieder what concerns it); changing follows
/// responsibility: an aanbieder acts only on alerts it owns, a gemeente acknowledges its gemeente's alerts but closes
/// only those it owns, so nobody closes a signal meant for someone else. The CAK liaison and the admin act on all.
/// </summary>
public static class Permissions
{
    public static bool May(Caller caller, HubAction action, Alert alert) =>
        May(caller, action, alert.Gemeente, alert.Aanbieder, alert.Owner);

    /// <param name="gemeente">The subject's gemeente (null for hub-wide alerts).</param>
    /// <param name="aanbieder">The aanbieder the subject concerns, if any.</param>
    /// <param name="owner">Who must act on the subject (an alert's owner), if any.</param>
    public static bool May(Caller caller, HubAction action, string? gemeente = null, string? aanbieder = null, string? owner = null)
    {
        var party = caller.Party;
        var ownGemeente = gemeente is not null && gemeente == party;
        var owns = owner is not null && owner == party;
        return (caller.Role, action) switch
        {
            (Role.Admin, _) => true,
            (Role.CakLiaison, HubAction.ReadAlert or HubAction.AcknowledgeAlert or HubAction.CloseAlert or HubAction.ReadLetter) => true,
            (Role.Gemeente or Role.GemeenteOfficer, HubAction.ReadAlert or HubAction.AcknowledgeAlert or HubAction.ReadLetter or HubAction.ResendToCak) => ownGemeente,
            (Role.Gemeente or Role.GemeenteOfficer, HubAction.CloseAlert) => ownGemeente && owns,
            (Role.Aanbieder or Role.SupplierOfficer, HubAction.ReadAlert) => owns || (aanbieder is not null && aanbieder == party),
            (Role.Aanbieder or Role.SupplierOfficer, HubAction.AcknowledgeAlert or HubAction.CloseAlert) => owns,
            _ => false,
        };
    }
}
