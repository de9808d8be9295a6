using Ates.Client.Sdk;
using Ates.Testing;
using Sdk = Ates.Client.Sdk.Models;

namespace Ates.Api.Tests;

/// <summary>
/// The client Kiota generates from the document (Client.Sdk) does what a client of the API does, and is exactly what
/// Kiota makes of the document the gateway serves now: a route changed without regenerating fails here.
/// </summary>
public sealed class GeneratedClientTests(AtesApi api) : IClassFixture<AtesApi>
{
    /// <summary>Set to 1 by scripts/generate-client.sh: the drift test writes what it generated instead of comparing.</summary>
    public const string WriteVariable = "ATES_WRITE_GENERATED_CLIENT";

    [Fact]
    public async Task The_generated_client_signs_in_creates_a_task_and_its_assignee_completes_it()
    {
        var manager = await AtesSdk.SignInAsync(api.CreateClient(), "manager@ates.local", "manager");
        (await manager.Api.Me.GetAsync())!.Role.ShouldBe("manager");

        var created = await manager.Api.Tasks.PostAsync(new Sdk.NewTask { Title = "Generated client's errand", JiraId = "GEN-1" },
            request => request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString()));
        created!.Status.ShouldBe("open");
        created.AssigneeName.ShouldNotBeNullOrEmpty();

        // The assignee is drawn at random among the demo users who take tasks; each one's password is their name.
        var admin = await AtesSdk.SignInAsync(api.CreateClient(), "admin@ates.local", "admin");
        var assignee = (await admin.Api.Users.GetAsync())!.Single(u => u.Id == created.AssigneeId);
        var worker = await AtesSdk.SignInAsync(api.CreateClient(), assignee.Email!, assignee.Email!.Split('@')[0]);
        var done = await worker.Api.Tasks[created.Id!.Value].Complete.PostAsync();
        done!.Status.ShouldBe("done");
        done.CompletedAt.ShouldNotBeNull();

        // A refusal arrives as the generated problem type, in the API's words.
        var again = await Should.ThrowAsync<Sdk.ProblemDetails>(() => worker.Api.Tasks[created.Id!.Value].Complete.PostAsync());
        again.ResponseStatusCode.ShouldBe(409);
        again.Detail.ShouldBe("The task is already done.");
        var invalid = await Should.ThrowAsync<Sdk.HttpValidationProblemDetails>(() => manager.Api.Tasks.PostAsync(new Sdk.NewTask { Title = "" }));
        invalid.Errors!.AdditionalData.ShouldContainKey("title");
    }

    [Fact]
    public async Task The_checked_in_client_is_what_kiota_generates_from_the_served_document()
    {
        var root = Repository.Root;
        var work = Directory.CreateTempSubdirectory("ates-kiota-").FullName;
        try
        {
            var document = Path.Combine(work, "openapi.json");
            await File.WriteAllTextAsync(document, await api.CreateClient().GetStringAsync("/openapi/v1.json"));
            var output = Path.Combine(work, "Generated");
            var (exit, log) = await Kiota.GenerateAsync(root, document, output);
            exit.ShouldBe(0, log);
            var checkedIn = Path.Combine(root, "Client.Sdk", "Generated");
            if (Environment.GetEnvironmentVariable(WriteVariable) == "1")
            {
                if (Directory.Exists(checkedIn)) Directory.Delete(checkedIn, recursive: true);
                CopyDirectory(output, checkedIn);
                return;
            }
            var generated = Files(output);
            var ours = Files(checkedIn);
            ours.Keys.Order().ShouldBe(generated.Keys.Order(), "the checked-in client has other files than Kiota generates now: run scripts/generate-client.sh");
            foreach (var (file, text) in generated)
                ours[file].ShouldBe(text, $"Client.Sdk/Generated/{file} differs from what Kiota generates now: run scripts/generate-client.sh");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Every generated source file by its path under the folder, with line endings as Git would check them out.</summary>
    private static Dictionary<string, string> Files(string folder) =>
        Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f).Replace('\\', '/'), f => File.ReadAllText(f).ReplaceLineEndings("\n"));

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*.cs", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

/// <summary>Kiota, as the repository's tool manifest pins it (.config/dotnet-tools.json).</summary>
internal static class Kiota
{
    public static async Task<(int Exit, string Log)> GenerateAsync(string root, string document, string output)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = root };
        foreach (var argument in new[]
        {
            "kiota", "generate", "--language", "CSharp", "--openapi", document, "--output", output,
            "--namespace-name", "Ates.Client.Sdk", "--class-name", "AtesApiClient", "--exclude-backward-compatible", "--clean-output", "--log-level", "Warning",
        })
            start.ArgumentList.Add(argument);
        start.Environment["KIOTA_CLI_TELEMETRY_OPTOUT"] = "true";
        start.Environment["KIOTA_TUTORIAL_ENABLED"] = "false";
        var (exit, stdout, stderr) = await ToolProcess.RunAsync(start, TimeSpan.FromMinutes(3));
        var log = stdout + stderr;
        if (log.Contains("Could not execute because the specified command or file was not found", StringComparison.Ordinal)
            || log.Contains("Run \"dotnet tool restore\"", StringComparison.Ordinal))
            throw new InvalidOperationException("Kiota is not restored: run `dotnet tool restore` in the repository (test.sh does this).\n" + log);
        return (exit, log);
    }
}
