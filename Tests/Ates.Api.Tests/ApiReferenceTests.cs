using System.Net;
using System.Text.RegularExpressions;

namespace Ates.Api.Tests;

/// <summary>/docs (Scalar) is served whole from the gateway: the page and everything it names come from the same origin.</summary>
public sealed partial class ApiReferenceTests(AtesApi api) : IClassFixture<AtesApi>
{
    [Fact]
    public async Task The_docs_page_and_every_script_link_and_document_it_names_come_from_this_origin()
    {
        var client = api.CreateClient();
        var page = new Uri(client.BaseAddress!, "/docs/");
        var html = await client.GetStringAsync(page);

        // Every src and href, every module import, every url in the configuration the page hands Scalar.
        // Scripts and links are relative to the page; the configuration's document urls to the origin (as Scalar reads them).
        var references = Reference().Matches(html).Select(m => (Url: m.Groups["url"].Value, Base: m.Value.StartsWith("\"url\"", StringComparison.Ordinal) ? new Uri(page, "/") : page))
            .Distinct().ToList();
        references.Select(r => r.Url).ShouldContain("scalar.js");
        references.Select(r => r.Url).ShouldContain("openapi/v1.json");
        foreach (var (reference, relativeTo) in references)
        {
            var url = new Uri(relativeTo, reference);
            url.GetLeftPart(UriPartial.Authority).ShouldBe(page.GetLeftPart(UriPartial.Authority), $"/docs names {reference}");
            (await client.GetAsync(url)).StatusCode.ShouldBe(HttpStatusCode.OK, $"/docs names {reference}");
        }
        html.ShouldNotContain("http://", Case.Insensitive);
        html.ShouldNotContain("https://", Case.Insensitive);
        html.ShouldNotContain("//", Case.Sensitive, "no protocol-relative address either");

        // What would reach another host or advertise one is switched off in the configuration the page hands Scalar.
        html.ShouldContain("\"withDefaultFonts\":false");
        html.ShouldContain("\"telemetry\":false");
        html.ShouldContain("\"agent\":{\"disabled\":true}");
        html.ShouldContain("\"mcp\":{\"disabled\":true}");
        html.ShouldContain("\"showDeveloperTools\":\"never\"");
        html.ShouldContain("\"hideClientButton\":true");
        html.ShouldNotContain("proxyUrl", Case.Insensitive);
    }

    [GeneratedRegex("""(?:\b(?:src|href)\s*=\s*["']|\bfrom\s*["']|"url"\s*:\s*")(?<url>[^"']+)["']""")]
    private static partial Regex Reference();
}
