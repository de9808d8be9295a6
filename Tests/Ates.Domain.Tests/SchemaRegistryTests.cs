namespace Ates.Domain.Tests;

/// <summary>
/// schemas/ is the event schema registry. Set ATES_UPDATE_SCHEMAS=1 and run these tests to write the schemas of new
/// contracts (and the example of a newly published version); commit what they write.
/// </summary>
public sealed class SchemaRegistryTests
{
    private static readonly string Root = Path.Combine(FindRepositoryRoot(), "schemas");
    private static readonly bool Update = Environment.GetEnvironmentVariable("ATES_UPDATE_SCHEMAS") == "1";

    public static TheoryData<string, int> Contracts()
    {
        var data = new TheoryData<string, int>();
        foreach (var (name, version, _) in EventSchemas.ContractsIn(typeof(TaskCreated).Assembly)) data.Add(name, version);
        return data;
    }

    private static Type ContractType(string name, int version) =>
        EventSchemas.ContractsIn(typeof(TaskCreated).Assembly).Single(c => c.Name == name && c.Version == version).Type;

    [Theory]
    [MemberData(nameof(Contracts))]
    public void The_committed_schema_matches_the_contract_record(string name, int version)
    {
        var exported = EventSchemas.Export(ContractType(name, version));
        var path = EventSchemas.SchemaPath(Root, name, version);
        if (Update)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, exported);
        }
        File.Exists(path).ShouldBeTrue($"{path} is missing: export it with ATES_UPDATE_SCHEMAS=1 and commit it.");
        File.ReadAllText(path).ShouldBe(exported,
            $"{name} v{version} drifted from schemas/. A published version must stay compatible (see the example test); a new shape is a new version.");
    }

    [Theory]
    [MemberData(nameof(Contracts))]
    public void The_example_published_with_each_version_still_decodes_strictly(string name, int version)
    {
        var type = ContractType(name, version);
        var path = EventSchemas.ExamplePath(Root, name, version);
        if (Update && !File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, EventSchemas.Example(type)); // written once, when published
        }
        File.Exists(path).ShouldBeTrue($"{path} is missing: publish it with ATES_UPDATE_SCHEMAS=1 and commit it.");

        var recorded = new JournalEvent(Guid.NewGuid(), "x/1", 1, JournalPosition.Start, name, version, File.ReadAllBytes(path),
            new EventMetadata(DateTimeOffset.UnixEpoch, null, null, null, null));
        var decoded = Serializer().Deserialize(recorded);
        // Old versions come back upcast to the current shape; current ones as themselves.
        if (name == "task.created" && version == 1)
            ((TaskCreated)decoded).ShouldSatisfyAllConditions(t => t.Title.ShouldBe("Change the shade of green"), t => t.JiraId.ShouldBe("UBERPOP-42"));
        else
            decoded.GetType().ShouldBe(type);
    }

    [Fact]
    public void Every_committed_schema_belongs_to_a_contract_still_in_the_code()
    {
        var known = EventSchemas.ContractsIn(typeof(TaskCreated).Assembly).Select(c => EventSchemas.SchemaPath(Root, c.Name, c.Version)).ToHashSet();
        var committed = Directory.GetFiles(Root, "*.json", SearchOption.AllDirectories).Where(f => !f.EndsWith(".example.json", StringComparison.Ordinal));
        committed.Where(f => !known.Contains(f)).ShouldBeEmpty("a published version was removed: old events of it can no longer be read");
    }

    [Fact]
    public void Strict_decoding_refuses_unknown_and_missing_members()
    {
        JournalEvent Of(string json) => new(Guid.NewGuid(), "task/1", 1, JournalPosition.Start, "task.completed", 1, System.Text.Encoding.UTF8.GetBytes(json),
            new EventMetadata(DateTimeOffset.UnixEpoch, null, null, null, null));
        const string valid = """{"taskId":"0190a5c2-7b3e-7d41-9f6a-1c2d3e4f5a6b","assigneeId":"0190a5c2-7b3e-7d41-9f6a-1c2d3e4f5a6b","reward":20,"title":"t","jiraId":null}""";
        Serializer().Deserialize(Of(valid)).ShouldBeOfType<TaskCompleted>();
        Should.Throw<EventDecodingException>(() => Serializer().Deserialize(Of(valid.Replace("\"title\":\"t\",", "\"title\":\"t\",\"extra\":1,"))));
        Should.Throw<EventDecodingException>(() => Serializer().Deserialize(Of(valid.Replace("\"reward\":20,", ""))));
        Should.Throw<EventDecodingException>(() => Serializer().Deserialize(Of(valid.Replace("\"title\":\"t\"", "\"title\":null"))));
    }

    private static JsonEventSerializer Serializer() => DomainEvents.Serializer();

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ates.sln"))) return dir.FullName;
        throw new InvalidOperationException("Ates.sln not found above the test binaries.");
    }
}
