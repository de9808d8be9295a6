using System.Reflection;

namespace Ates.Runtime.Core;

/// <summary>
/// The proxy behind every grain reference (<see cref="DispatchProxy"/> implements the grain interface).
/// It caches the local activation it last reached and looks it up again once that one is gone.
/// </summary>
public class GrainReference : DispatchProxy
{
    internal GrainRuntime Runtime { get; private set; } = null!;
    internal GrainClass Class { get; private set; } = null!;
    internal GrainId Id { get; private set; }
    internal Activation? Cached;

    internal void Bind(GrainRuntime runtime, GrainClass grainClass, GrainId id)
    {
        Runtime = runtime;
        Class = grainClass;
        Id = id;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (!Class.Methods.TryGetValue(targetMethod, out var method))
        {
            throw new NotSupportedException($"{targetMethod.DeclaringType?.Name}.{targetMethod.Name} is not a grain method of {Class.TypeName}.");
        }
        return method.Invoke(this, args);
    }

    public override string ToString() => Id.ToString();
}
