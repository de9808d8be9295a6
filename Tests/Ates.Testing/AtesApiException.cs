using System.Net;

namespace Ates.Testing;

/// <summary>
/// A 4xx/5xx answer from the gateway, whatever the generated client made of it: the problem details when the document
/// lists that status for the operation, else only the status. The fault runs judge failures by <see cref="Status"/>.
/// </summary>
public sealed class AtesApiException(HttpStatusCode status, string title, string? detail, IReadOnlyDictionary<string, string[]>? errors, Exception? inner = null)
    : Exception($"{(int)status} {title}{(detail is null ? "" : $": {detail}")}", inner)
{
    public HttpStatusCode Status { get; } = status;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;
    public IReadOnlyDictionary<string, string[]>? Errors { get; } = errors;
}
