using System.Reflection;
using System.Text.Json;
using System.Text.Json.Schema;

namespace Ates.Journal;

/// <summary>
/// The event schema registry: one JSON Schema per contract (schemas/&lt;type&gt;/&lt;version&gt;.json), exported from the
/// records with the BCL's JsonSchemaExporter, and one example payload per contract, written once when the version is
/// published and never regenerated, so that a later change that cannot read it is caught.
/// </summary>
public static class EventSchemas
{
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, IndentSize = 2 };

    public static string SchemaPath(string root, string name, int version) => Path.Combine(root, name, $"{version}.json");

    public static string ExamplePath(string root, string name, int version) => Path.Combine(root, name, $"{version}.example.json");

    public static string Export(Type contract) =>
        JsonEventSerializer.Options.GetJsonSchemaAsNode(contract, new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true })
            .ToJsonString(Pretty) + "\n";

    /// <summary>A payload of the contract with every member set to a fixed sample value.</summary>
    public static string Example(Type contract)
    {
        var constructor = contract.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        var arguments = constructor.GetParameters().Select(p => SampleOf(p.ParameterType, p.Name!)).ToArray();
        var instance = constructor.Invoke(arguments);
        return JsonSerializer.SerializeToNode(instance, contract, JsonEventSerializer.Options)!.ToJsonString(Pretty) + "\n";
    }

    private static object? SampleOf(Type type, string name)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(Guid)) return new Guid("0190a5c2-7b3e-7d41-9f6a-1c2d3e4f5a6b");
        if (type == typeof(string)) return name.Contains("jira", StringComparison.OrdinalIgnoreCase) ? "UBERPOP-42" : $"example {name}";
        if (type == typeof(decimal)) return 17m;
        if (type == typeof(int)) return 3;
        if (type == typeof(long)) return 7L;
        if (type == typeof(bool)) return true;
        if (type == typeof(DateOnly)) return new DateOnly(2026, 1, 5);
        if (type == typeof(DateTimeOffset)) return new DateTimeOffset(2026, 1, 5, 9, 30, 0, TimeSpan.Zero);
        throw new NotSupportedException($"No sample value for {type.Name} (member {name}); extend EventSchemas.SampleOf.");
    }

    public static IEnumerable<(string Name, int Version, Type Type)> ContractsIn(Assembly assembly) =>
        JsonEventSerializer.FindEventTypes(assembly)
            .Select(t => (Attribute: t.GetCustomAttribute<EventTypeAttribute>()!, Type: t))
            .Select(c => (c.Attribute.Name, c.Attribute.Version, c.Type))
            .OrderBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.Version);
}
