namespace Ates.Runtime;

/// <summary>Identity of a grain: its type name and its key (a Guid in "N" format, or a string).</summary>
public readonly record struct GrainId(string Type, string Key)
{
    public static GrainId Create(string type, Guid key) => new(type, key.ToString("N"));

    public override string ToString() => $"{Type}/{Key}";
}
