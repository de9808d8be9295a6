using Ates.Journal;

namespace Ates.Silo;

/// <summary>
/// Puts the call's correlation id (riding Orleans' RequestContext from the HTTP request, or from the event a consumer
/// handles) in the logging scope of the grain call, so every line a grain logs names the request it serves. Only a
/// call that carries a correlation pays for the scope.
/// </summary>
internal sealed class CorrelationLogScope(ILoggerFactory loggers) : IIncomingGrainCallFilter
{
    private readonly ILogger _logger = loggers.CreateLogger("Ates.Grains");

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (CallContext.CorrelationId is not { } correlation)
        {
            await context.Invoke();
            return;
        }
        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = correlation });
        await context.Invoke();
    }
}
