using System.Diagnostics;

namespace Wmo.Functions.Tests;

/// <summary>Runs a program to its end and returns its exit code, standard output and standard error.</summary>
internal static class Processes
{
    /// <param name="environment">Variables to set; a null value removes the variable (so nothing of the test run leaks in).</param>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(
        string file, string directory, IReadOnlyDictionary<string, string?> environment, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {timeout}.");
        }

        return (process.ExitCode, await output, await errors);
    }
}
