using System.Reflection;

namespace Ates.Runtime.Core;

/// <summary>A grain class known to the silo: its type name, idle limit, interfaces and compiled methods.</summary>
internal sealed class GrainClass
{
    public GrainClass(Type classType, TimeSpan defaultCollectionAge)
    {
        ClassType = classType;
        TypeName = classType.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? DefaultTypeName(classType);
        CollectionAge = classType.GetCustomAttribute<CollectionAgeLimitAttribute>()?.Limit ?? defaultCollectionAge;
        Interfaces = classType.GetInterfaces().Where(IsGrainInterface).ToArray();
        Methods = Interfaces.SelectMany(i => i.GetMethods()).ToDictionary(m => m, GrainMethod.Create);
        ImplicitNamespaces = classType.GetCustomAttributes<ImplicitStreamSubscriptionAttribute>().Select(a => a.StreamNamespace).ToArray();
        // Resolved once per class, not per activation: constructor lookup by reflection is the slow part of creating a grain.
        Factory = Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateFactory(classType, Type.EmptyTypes);
        IsJournaled = IsJournaledGrain(classType);
        if (ImplicitNamespaces.Count > 0 && !typeof(IEventConsumer).IsAssignableFrom(classType))
        {
            throw new InvalidOperationException($"{classType.Name} has [ImplicitStreamSubscription] but does not implement {nameof(IEventConsumer)}.");
        }
    }

    public Type ClassType { get; }
    public string TypeName { get; }
    public TimeSpan CollectionAge { get; }
    public IReadOnlyList<Type> Interfaces { get; }
    public IReadOnlyDictionary<MethodInfo, GrainMethod> Methods { get; }
    public IReadOnlyList<string> ImplicitNamespaces { get; }
    public Microsoft.Extensions.DependencyInjection.ObjectFactory Factory { get; }

    /// <summary>A JournaledGrain: its write turns note when their call arrived (see Grain.WriteTurnArrivedAt); other grains skip that.</summary>
    public bool IsJournaled { get; }

    private static bool IsJournaledGrain(Type type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(JournaledGrain<,>)) return true;
        return false;
    }

    private static string DefaultTypeName(Type type)
    {
        var name = type.Name;
        if (name.EndsWith("Grain", StringComparison.Ordinal) && name.Length > 5) name = name[..^5];
        return name.ToLowerInvariant();
    }

    internal static bool IsGrainInterface(Type type) =>
        type.IsInterface && typeof(IGrain).IsAssignableFrom(type)
        && type != typeof(IGrain) && type != typeof(IGrainWithGuidKey) && type != typeof(IGrainWithStringKey);
}

/// <summary>Maps grain interfaces and type names to grain classes, found by scanning the registered assemblies.</summary>
internal sealed class GrainCatalog
{
    private readonly Dictionary<Type, GrainClass> _byInterface = [];
    private readonly Dictionary<string, GrainClass> _byTypeName = [];

    public GrainCatalog(IEnumerable<Type> grainClasses, TimeSpan defaultCollectionAge)
    {
        foreach (var type in grainClasses.Distinct())
        {
            var grainClass = new GrainClass(type, defaultCollectionAge);
            if (!_byTypeName.TryAdd(grainClass.TypeName, grainClass))
            {
                throw new InvalidOperationException($"Grain type name '{grainClass.TypeName}' is used by {type.Name} and {_byTypeName[grainClass.TypeName].ClassType.Name}.");
            }
            // Runtime-defined interfaces (IRemindable, IEventConsumer) are shared by many classes: reached by grain id, not by interface.
            foreach (var grainInterface in grainClass.Interfaces.Where(i => i.Assembly != typeof(IGrain).Assembly))
            {
                if (!_byInterface.TryAdd(grainInterface, grainClass))
                {
                    throw new InvalidOperationException($"Grain interface {grainInterface.Name} is implemented by both {type.Name} and {_byInterface[grainInterface].ClassType.Name}.");
                }
            }
        }
    }

    public IEnumerable<GrainClass> Classes => _byTypeName.Values;

    public GrainClass ForInterface(Type grainInterface) =>
        _byInterface.TryGetValue(grainInterface, out var grainClass)
            ? grainClass
            : throw new InvalidOperationException($"No grain class implements {grainInterface.Name}; register its assembly with AddGrains.");

    public GrainClass ForTypeName(string typeName) =>
        _byTypeName.TryGetValue(typeName, out var grainClass)
            ? grainClass
            : throw new InvalidOperationException($"No grain class has type name '{typeName}'.");

    public static IEnumerable<Type> FindGrainClasses(Assembly assembly) =>
        assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false, ContainsGenericParameters: false } && typeof(Grain).IsAssignableFrom(t));
}
