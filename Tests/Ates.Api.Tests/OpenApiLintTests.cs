using System.Diagnostics;
using System.Text.Json;
using Ates.Testing;

namespace Ates.Api.Tests;

/// <summary>
/// The document a running gateway serves passes Redocly's recommended lint (redocly.yaml) with no error and no warning:
/// what a client generator or a reader of /docs relies on (a summary and an operationId per operation, security on
/// each, the statuses each answers).
/// </summary>
public sealed class OpenApiLintTests
{
    [Fact]
    public async Task The_served_document_passes_redoclys_recommended_lint_without_a_warning()
    {
        // Over a real socket at 127.0.0.1, as a deployment serves it: the document names the server it was asked on.
        await using var api = new AtesApi();
        api.UseKestrel(0);
        api.StartServer();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{api.ClientOptions.BaseAddress.Port}") };
        var root = Repository.Root;
        var cli = Path.Combine(root, "tools", "openapi-lint", "node_modules", "@redocly", "cli", "bin", "cli.js");
        File.Exists(cli).ShouldBeTrue($"Redocly CLI is not installed: run `npm ci --prefix tools/openapi-lint` (test.sh does this). Looked for {cli}.");
        var document = Path.Combine(Path.GetTempPath(), $"ates-openapi-{Guid.NewGuid():N}.json");
        try
        {
            await File.WriteAllTextAsync(document, await http.GetStringAsync("/openapi/v1.json"));
            var (exit, output, errors) = await Node.RunAsync(root, cli, "lint", "--config", Path.Combine(root, "redocly.yaml"), "--format", "json", document);

            var report = JsonDocument.Parse(output[output.IndexOf('{')..]).RootElement;
            var problems = report.GetProperty("problems").EnumerateArray()
                .Select(p => $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()}: {p.GetProperty("message").GetString()}"
                    + $" at {string.Join(", ", p.GetProperty("location").EnumerateArray().Select(l => l.GetProperty("pointer").GetString()))}")
                .ToList();
            problems.ShouldBeEmpty(string.Join(Environment.NewLine, problems));
            exit.ShouldBe(0, errors);
        }
        finally
        {
            File.Delete(document);
        }
    }
}

/// <summary>Node.js, for the tools the repository installs with npm (tools/): never skipped, a clear failure when missing.</summary>
internal static class Node
{
    public static async Task<(int Exit, string Output, string Errors)> RunAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = workingDirectory };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // No telemetry or update check from a test run.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        try
        {
            return await ToolProcess.RunAsync(start, TimeSpan.FromMinutes(2));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("Node.js is not installed (`node` was not found): apt-get install nodejs npm. " + e.Message, e);
        }
    }
}

/// <summary>The repository this test runs from (the folder with Ates.sln).</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ates.sln"))) return dir.FullName;
        throw new InvalidOperationException("The repository (the folder with Ates.sln) is not above " + AppContext.BaseDirectory);
    }
}
