using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ates.Client.Gateway;

/// <summary>
/// What was wrong with a request that could not even be read, in plain words and per field: ASP.NET Core's and
/// System.Text.Json's own messages name parameters and .NET types, which mean nothing to the person who sent it.
/// </summary>
internal static partial class RequestErrors
{
    public static (int Status, string Title, string? Detail, IReadOnlyDictionary<string, string[]>? Errors) Explain(BadHttpRequestException b, HttpContext context)
    {
        if (b.StatusCode == 413) return (413, "The request body is too large.", $"A request body is at most {GatewaySetup.MaxBodyBytes / 1024} KB.", null);
        if (b.StatusCode == 415) return (415, "The body must be JSON.", "Send it with Content-Type: application/json.", null);
        if (b.InnerException is JsonException json) return FromJson(json, context);
        var message = b.Message;
        if (message.Contains("body", StringComparison.OrdinalIgnoreCase) && (message.StartsWith("Implicit body inferred", StringComparison.Ordinal) || message.Contains("was not provided from body", StringComparison.Ordinal)))
            return Invalid("A JSON body is required.", "body", "This request needs a JSON body.");
        if (FailedToBind().Match(message) is { Success: true } bind)
        {
            // A parameter group's member ([AsParameters]) is named as its property; the query names it in camelCase.
            var field = JsonNamingPolicy.CamelCase.ConvertName(bind.Groups["name"].Value);
            return Invalid($"{field} is not valid.", field, $"{field} must be {Expected(bind.Groups["type"].Value)}; \"{bind.Groups["value"].Value}\" is not.");
        }
        if (Missing().Match(message) is { Success: true } missing)
        {
            var field = JsonNamingPolicy.CamelCase.ConvertName(missing.Groups["name"].Value);
            return Invalid($"{field} is required.", field, $"{field} is required.");
        }
        return (b.StatusCode, "The request is not valid.", "The request could not be read.", null);
    }

    private static (int, string, string?, IReadOnlyDictionary<string, string[]>?) FromJson(JsonException json, HttpContext context)
    {
        var field = FieldOf(json.Path);
        // The message names the record being built, not the member; the endpoint's body type says what the member is.
        var endpoint = context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint();
        var bodyType = endpoint?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.RequestType;
        var member = bodyType?.GetProperty(field, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
        if (json.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
            return Invalid($"{field} is not a field of this request.", field, $"{field} is not a field of this request; remove it.");
        if (member is not null && json.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            var expected = Expected((Nullable.GetUnderlyingType(member.PropertyType) ?? member.PropertyType).FullName!);
            return Invalid($"{field} is not {expected}.", field, $"{field} must be {expected}" + (expected.StartsWith("a date", StringComparison.Ordinal) ? ", a day that exists." : "."));
        }
        if (json.Message.Contains("missing required properties", StringComparison.Ordinal))
            return Invalid("A required field is missing.", field, "A required field is missing.");
        return Invalid("The body is not valid JSON.", "body", "The body is not valid JSON" + (json.LineNumber is { } line ? $" (line {line + 1}, position {json.BytePositionInLine + 1})." : "."));
    }

    private static (int, string, string?, IReadOnlyDictionary<string, string[]>?) Invalid(string detail, string field, string message) =>
        (400, "The request is not valid.", detail, new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>"$.title" → "title"; "$" (the whole body) → "body".</summary>
    private static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "body";
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return string.IsNullOrEmpty(field) ? "body" : field;
    }

    /// <summary>A .NET or C# type name as words.</summary>
    private static string Expected(string type)
    {
        type = type.Replace("System.Nullable`1[", "").Replace("Nullable<", "").Replace("?", "").Trim('[', ']', '>', ' ');
        type = type.Split(',')[0];
        return type switch
        {
            "System.String" or "string" => "text",
            "System.Int32" or "int" or "System.Int64" or "long" or "System.Int16" or "short" => "a whole number",
            "System.Decimal" or "decimal" or "System.Double" or "double" => "a number",
            "System.Boolean" or "bool" => "true or false",
            "System.Guid" or "Guid" => "an id (a GUID)",
            "System.DateOnly" or "DateOnly" => "a date (YYYY-MM-DD)",
            "System.DateTimeOffset" or "DateTimeOffset" or "System.DateTime" or "DateTime" => "a time (ISO 8601)",
            _ => "a JSON object",
        };
    }

    [GeneratedRegex("""Failed to bind parameter "(?<type>[^"]+?) (?<name>\w+)" from "(?<value>.*)"\.""")]
    private static partial Regex FailedToBind();

    [GeneratedRegex("""Required parameter "(?<type>[^"]+?) (?<name>\w+)" was not provided""")]
    private static partial Regex Missing();
}
