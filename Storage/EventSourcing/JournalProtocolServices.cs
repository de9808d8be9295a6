using Microsoft.Extensions.Logging;
using Orleans.EventSourcing;
using Orleans.Runtime;
using Orleans.Serialization;

namespace Ates.Storage.EventSourcing;

/// <summary>
/// What Orleans' <c>JournaledGrain</c> asks of the runtime for its log view (Orleans registers its own version only
/// together with its built-in providers). The journal's log view needs the grain's id; the rest serves diagnostics.
/// </summary>
internal sealed class JournalProtocolServices(IGrainContext grain, DeepCopier copier, ILogger logger) : ILogConsistencyProtocolServices
{
    public GrainId GrainId => grain.GrainId;

    public string MyClusterId => "ates";

    public T DeepCopy<T>(T value) => copier.Copy(value)!;

    public void ProtocolError(string msg, bool throwexception)
    {
        logger.LogError("{Grain}: log-consistency protocol error: {Message}", GrainId, msg);
        if (throwexception) throw new OrleansException($"{GrainId}: {msg}");
    }

    public void CaughtException(string where, Exception e) => logger.LogError(e, "{Grain}: exception in {Where}", GrainId, where);

    public void CaughtUserCodeException(string callback, string where, Exception e) =>
        logger.LogWarning(e, "{Grain}: {Callback} threw in {Where}", GrainId, callback, where);

    public void Log(LogLevel level, string format, params object[] args)
    {
        if (logger.IsEnabled(level)) logger.Log(level, "{Grain}: {Message}", GrainId, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
    }
}
