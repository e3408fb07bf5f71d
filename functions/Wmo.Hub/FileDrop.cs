using System.IO.Abstractions;
using System.Text.Json;
using Wmo.Messages;

namespace Wmo.Hub;

/// <summary>What happened to one dropped file, as written to the result file beside it.</summary>
public sealed record FileDropResult(string File, string Party, string Status, Guid? Id, string? Bericht, string? Detail, IReadOnlyList<string> Errors);

/// <summary>
/// The file-drop transport for parties that exchange files: <c>{root}/{party}/in/*.xml</c> goes through the same
/// intake as <c>POST /api/berichten</c>, as that party; the file then moves to <c>done/</c> (accepted, or a duplicate
/// of one accepted before) or <c>failed/</c>, with <c>{name}.result.json</c> beside it (a name already there gets a
/// number: <c>{stem}.2.xml</c>). The result file is written
/// before the move, so a crash in between only means the file is taken again, and intake's dedupe answers it as a
/// duplicate. Files younger than <see cref="SettleTime"/> are left alone: they may still be being written.
/// </summary>
public sealed class FileDrop
{
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(1);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly IFileSystem _files;
    private readonly Intake _intake;
    private readonly TimeProvider _time;

    public FileDrop(IFileSystem files, Intake intake, TimeProvider time)
    {
        _files = files;
        _intake = intake;
        _time = time;
    }

    /// <summary>The caller a party folder stands for: a CBS code (4 digits), an AGB code (8 digits) or CAK.</summary>
    public static Caller? PartyOf(string folderName) => folderName switch
    {
        Routing.Cak => new Caller(Routing.Cak, Role.Cak),
        { Length: 4 } g when g.All(char.IsAsciiDigit) => new Caller(g, Role.Gemeente),
        { Length: 8 } a when a.All(char.IsAsciiDigit) => new Caller(a, Role.Aanbieder),
        _ => null,
    };

    /// <summary>Takes every settled file of every party's in-folder once; returns what happened to each.</summary>
    public async Task<IReadOnlyList<FileDropResult>> ProcessAsync(string root, CancellationToken ct = default)
    {
        var results = new List<FileDropResult>();
        if (!_files.Directory.Exists(root))
        {
            return results;
        }

        foreach (var partyFolder in _files.Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            var caller = PartyOf(_files.Path.GetFileName(partyFolder));
            var inbox = _files.Path.Combine(partyFolder, "in");
            if (caller is null || !_files.Directory.Exists(inbox))
            {
                continue;
            }

            foreach (var file in _files.Directory.GetFiles(inbox, "*.xml").Order(StringComparer.Ordinal))
            {
                ct.ThrowIfCancellationRequested();
                if (_time.GetUtcNow() - _files.File.GetLastWriteTimeUtc(file) < SettleTime)
                {
                    continue;
                }

                results.Add(await ProcessFileAsync(caller, partyFolder, file, ct));
            }
        }

        return results;
    }

    private async Task<FileDropResult> ProcessFileAsync(Caller caller, string partyFolder, string file, CancellationToken ct)
    {
        var name = _files.Path.GetFileName(file);
        byte[] xml;
        try
        {
            xml = await _files.File.ReadAllBytesAsync(file, ct);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // Taken away between listing and reading (an operator, a second host): nothing to do, nothing lost.
            return new FileDropResult(name, caller.Party, "gone", null, null, "Het bestand was verdwenen voordat het gelezen kon worden.", []);
        }
        catch (IOException)
        {
            return new FileDropResult(name, caller.Party, "busy", null, null, "Het bestand wordt nog geschreven; het wordt later opnieuw geprobeerd.", []);
        }
        catch (UnauthorizedAccessException)
        {
            // Left where it is, so the party (or an operator) sees it and fixes the rights; the other files go on.
            return new FileDropResult(name, caller.Party, "unreadable", null, null,
                "Het bestand kan niet worden gelezen (geen leesrechten); het blijft staan en wordt opnieuw geprobeerd zodra het leesbaar is.", []);
        }

        var outcome = await _intake.ReceiveAsync(caller, xml, ct);
        var result = outcome switch
        {
            IntakeResult.Accepted a => new FileDropResult(name, caller.Party, "accepted", a.Id, a.Type.Name, null, []),
            IntakeResult.Duplicate d => new FileDropResult(name, caller.Party, "duplicate", d.OriginalId, d.Type.Name,
                "Dit bericht (zelfde afzender, berichtsoort, Identificatie en Dagtekening) is eerder ontvangen.", []),
            IntakeResult.SchemaRejected s => new FileDropResult(name, caller.Party, "invalid", null, null,
                $"Het bestand voldoet niet aan het schema ({s.Errors.Count} fout(en)).", [.. s.Errors.Select(e => $"{e.Code} {e.Line}:{e.Column} {e.Location} {e.Message}")]),
            IntakeResult.RulesRejected r => new FileDropResult(name, caller.Party, "rejected", null, r.Type.Name,
                "Afgekeurd met retourcode(s) " + string.Join(", ", r.Findings.Select(f => f.RetourCode).Distinct()) + "; de retour staat in de postbus.",
                [.. r.Findings.Select(f => f.ToString())]),
            IntakeResult.NotAllowed n => new FileDropResult(name, caller.Party, "not-allowed", null, null, n.Reason, []),
            _ => throw new InvalidOperationException("Unknown intake result."),
        };

        var target = _files.Path.Combine(partyFolder, result.Status is "accepted" or "duplicate" ? "done" : "failed");
        _files.Directory.CreateDirectory(target);
        // A name dropped again (a resend after a correction) keeps the earlier file and its result: the new copy gets
        // a numbered name, and its result file follows that name.
        var destination = FreeName(target, name);
        result = result with { File = _files.Path.GetFileName(destination) };
        await _files.File.WriteAllTextAsync(destination + ".result.json", JsonSerializer.Serialize(result, Json), ct);
        try
        {
            _files.File.Move(file, destination);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // Removed after it was read: intake has it and the result file says so.
        }

        return result;
    }

    private string FreeName(string folder, string name)
    {
        var candidate = _files.Path.Combine(folder, name);
        var stem = _files.Path.GetFileNameWithoutExtension(name);
        var extension = _files.Path.GetExtension(name);
        for (var n = 2; _files.File.Exists(candidate) || _files.File.Exists(candidate + ".result.json"); n++)
        {
            candidate = _files.Path.Combine(folder, $"{stem}.{n}{extension}");
        }

        return candidate;
    }
}
