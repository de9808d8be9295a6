using System.Linq.Expressions;
using System.Reflection;

namespace Ates.Runtime.Core;

/// <summary>One method of a grain interface, compiled once into a delegate that calls it on the grain instance.</summary>
internal abstract class GrainMethod(MethodInfo method)
{
    public MethodInfo Method { get; } = method;
    public bool ReadOnly { get; } = method.GetCustomAttribute<ReadOnlyAttribute>() is not null;
    public string Name { get; } = $"{method.DeclaringType!.Name}.{method.Name}";

    /// <summary>Called by the proxy: returns the interface's declared return type (Task, Task&lt;T&gt;, ValueTask, ValueTask&lt;T&gt;).</summary>
    public abstract object Invoke(GrainReference reference, object?[]? args);

    public static GrainMethod Create(MethodInfo method)
    {
        if (method.IsGenericMethodDefinition)
        {
            throw new NotSupportedException($"Grain method {method.DeclaringType!.Name}.{method.Name} is generic; grain methods may not be.");
        }

        var returnType = method.ReturnType;
        Type resultType;
        ReturnKind kind;
        if (returnType == typeof(Task)) (resultType, kind) = (typeof(bool), ReturnKind.Task);
        else if (returnType == typeof(ValueTask)) (resultType, kind) = (typeof(bool), ReturnKind.ValueTask);
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>)) (resultType, kind) = (returnType.GetGenericArguments()[0], ReturnKind.TaskOfT);
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>)) (resultType, kind) = (returnType.GetGenericArguments()[0], ReturnKind.ValueTaskOfT);
        else
        {
            throw new NotSupportedException(
                $"Grain method {method.DeclaringType!.Name}.{method.Name} returns {returnType.Name}; grain methods must return Task, Task<T>, ValueTask or ValueTask<T>.");
        }

        var type = typeof(GrainMethod<>).MakeGenericType(resultType);
        return (GrainMethod)Activator.CreateInstance(type, method, kind)!;
    }
}

internal enum ReturnKind
{
    Task,
    ValueTask,
    TaskOfT,
    ValueTaskOfT,
}

internal sealed class GrainMethod<T> : GrainMethod
{
    private readonly ReturnKind _kind;

    public GrainMethod(MethodInfo method, ReturnKind kind) : base(method)
    {
        _kind = kind;
        Call = Compile(method, kind);
    }

    /// <summary>Calls the method on a grain instance; void results come back as a completed Task&lt;bool&gt;.</summary>
    public Func<object, object?[]?, Task<T>> Call { get; }

    public override object Invoke(GrainReference reference, object?[]? args)
    {
        var task = reference.Runtime.InvokeAsync(reference, this, args);
        return _kind switch
        {
            ReturnKind.Task or ReturnKind.TaskOfT => task,
            ReturnKind.ValueTask => new ValueTask(task),
            _ => new ValueTask<T>(task),
        };
    }

    private static Func<object, object?[]?, Task<T>> Compile(MethodInfo method, ReturnKind kind)
    {
        var grain = Expression.Parameter(typeof(object), "grain");
        var args = Expression.Parameter(typeof(object?[]), "args");
        var parameters = method.GetParameters()
            .Select((p, i) => (Expression)Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), p.ParameterType))
            .ToArray();
        Expression call = Expression.Call(Expression.Convert(grain, method.DeclaringType!), method, parameters);
        call = kind switch
        {
            ReturnKind.Task => Expression.Call(typeof(TaskResults).GetMethod(nameof(TaskResults.FromTask))!, call),
            ReturnKind.ValueTask => Expression.Call(typeof(TaskResults).GetMethod(nameof(TaskResults.FromValueTask))!, call),
            ReturnKind.ValueTaskOfT => Expression.Call(call, call.Type.GetMethod(nameof(ValueTask<int>.AsTask))!),
            _ => call,
        };
        return Expression.Lambda<Func<object, object?[]?, Task<T>>>(call, grain, args).Compile();
    }
}

internal static class TaskResults
{
    private static readonly Task<bool> Done = Task.FromResult(true);

    public static Task<bool> FromTask(Task task) => task.IsCompletedSuccessfully ? Done : Await(task);

    public static Task<bool> FromValueTask(ValueTask task) => task.IsCompletedSuccessfully ? Done : Await(task.AsTask());

    private static async Task<bool> Await(Task task)
    {
        await task.ConfigureAwait(false);
        return true;
    }
}
