using Wmo.Hub.Cak;
using Wmo.Hub.Chain;

namespace Wmo.Hub.Detection;

/// <summary>
/// Writes a person's due-index rows with a copy of the person's chain, so the detection scan can evaluate a deadline
/// from the row alone: one read of the due index per thousand deadlines instead of one ledger read per person. Used
/// wherever a chain changes (routing) or a deadline moves (the scan).
/// The copy must never stay older than the ledger. The ledger commits changes one after another (the state row's
/// ETag), but the rows are written after the commit, so two changes for one person may write their rows out of
/// order. Hence every writer reads the chain again after writing: if it changed meanwhile, the writer writes the
/// newer copy into every row it touched (and the newer chain's rows), and checks again. The last commit's copy wins,
/// whatever the order of the writes. A crash in between is retried by the queue, which runs this again.
/// </summary>
public sealed class DeadlineSync(DueIndex due, LedgerStore ledger, CakLeg cak, DetectionOptions options)
{
    private const int MaxRounds = 20;

    /// <param name="deadlines">The rows the change touched: the deadlines of the chain before and after it.</param>
    /// <param name="committed">The chain as the caller committed (or read) it; null to read it from the ledger.</param>
    public async Task SyncAsync(string personId, IEnumerable<DueItem> deadlines, ChainState? committed, DateOnly today, CancellationToken ct = default)
    {
        var rows = new HashSet<DueItem>(deadlines);
        var snapshot = committed is null ? await ledger.GetStateBytesAsync(personId, ct) : LedgerStore.SerializeState(committed);
        for (var round = 0; snapshot is not null; round++)
        {
            if (round == MaxRounds)
            {
                // Not expected: the person's chain changed twenty times while its rows were written. Failing makes
                // the queue retry the message, which syncs again.
                throw new InvalidOperationException($"The deadlines of person {personId} could not be brought up to date: the chain kept changing.");
            }

            var state = committed ?? LedgerStore.DeserializeState(snapshot);
            committed = null;
            rows.UnionWith(DueRules.For(personId, state, cak.Policies.For(state.Gemeente), cak.Tariffs, options.Calendar, today, options.StackThreshold));
            if (rows.Count == 0)
            {
                return;
            }

            await due.ScheduleAsync(rows, snapshot, ct);
            var latest = await ledger.GetStateBytesAsync(personId, ct);
            if (latest is null || latest.AsSpan().SequenceEqual(snapshot))
            {
                return;
            }

            snapshot = latest;
        }
    }
}
