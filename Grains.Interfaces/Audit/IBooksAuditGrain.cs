namespace Ates.Grains.Interfaces;

/// <summary>
/// The audit of the books ("default"; docs/design.md "Proving the books"): re-derives from the task events what every ledger,
/// balance and day total must be and compares. Callers that ask while an audit runs share its answer.
/// </summary>
[Alias("ates.books-audit")]
public interface IBooksAuditGrain : IGrainWithStringKey
{
    /// <remarks>Reads the whole journal in pages; a million events take seconds, more than Orleans' default timeout on a slow day.</remarks>
    [ResponseTimeout("00:10:00")]
    Task<AuditDto> Check();
}
