using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ates.Client.Hosting;
using Ates.Grains.Interfaces;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Ates.Api.Tests;

/// <summary>
/// docker/ without a Docker engine: every file parses, and the ports, paths and environment names in them are the ones
/// the silo really listens on, answers and reads (a typo in a variable name would otherwise be ignored silently).
/// </summary>
public sealed class DeploymentFilesTests(AtesApi api) : IClassFixture<AtesApi>
{
    private static readonly string Docker = Path.Combine(RepositoryRoot(), "docker");

    [Fact]
    public async Task The_compose_file_runs_three_silos_on_postgres_behind_nginx_with_prometheus_and_grafana_on_settings_the_silo_reads()
    {
        var compose = Yaml(Path.Combine(Docker, "compose.yaml"));
        var services = Map(compose["services"]);
        services.Keys.ShouldBe(["postgres", "silo1", "silo2", "silo3", "nginx", "prometheus", "grafana", "azurite", "eventhubs"], ignoreOrder: true);
        Map(Map(services["postgres"])["environment"]).ShouldContainKey("POSTGRES_PASSWORD");
        ((string)List(Map(services["postgres"])["volumes"])[0]).ShouldStartWith("pgdata:");

        var port = 0;
        foreach (var name in new[] { "silo1", "silo2", "silo3" })
        {
            var silo = Map(services[name]);
            var build = Map(silo["build"]);
            File.Exists(Path.GetFullPath(Path.Combine(Docker, (string)build["context"], (string)build["dockerfile"]))).ShouldBeTrue();
            var environment = Map(silo["environment"]).ToDictionary(e => e.Key, e => (string)e.Value);
            foreach (var key in environment.Keys) KnownSetting(key).ShouldBeTrue($"{name}: {key} is not a setting Ates reads");
            environment["Ates__Storage"].ShouldBe("Postgres");
            environment["Ates__Orleans__AdvertisedAddress"].ShouldBe(name, "other silos reach it by its service name");
            environment["ConnectionStrings__Ates"].ShouldContain("Host=postgres;");
            environment["ConnectionStrings__Ates"].ShouldContain("${ATES_DB_PASSWORD:?", customMessage: "no password in the file");
            environment["Ates__BootstrapAdmin__Password"].ShouldStartWith("${ATES_ADMIN_PASSWORD:?");
            // The proxy in front is believed, by its fixed address; the key ring is encrypted by the mounted cluster certificate.
            environment["Ates__KnownProxies__0"].ShouldBe((string)Map(Map(Map(services["nginx"])["networks"])["default"])["ipv4_address"]);
            environment["Ates__Orleans__Tls__Certificate"].ShouldBe("/run/secrets/ates-cluster", "mutual TLS on the Orleans ports; it encrypts the key ring too");
            environment["Ates__Orleans__Tls__Password"].ShouldStartWith("${ATES_CLUSTER_PASSWORD:?");
            List(silo["secrets"]).Cast<string>().ShouldContain("ates-cluster");
            port = PortOf(environment["ASPNETCORE_URLS"]);
            var health = string.Join(" ", List(Map(silo["healthcheck"])["test"]).Cast<string>());
            health.ShouldContain($"http://localhost:{port}/health/ready");
        }
        (await api.CreateClient().GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // nginx sends to every silo on that port and passes the live feed on unbuffered.
        var nginx = File.ReadAllText(Path.Combine(Docker, "nginx.conf"));
        foreach (var silo in new[] { "silo1", "silo2", "silo3" }) nginx.ShouldContain($"server {silo}:{port}");
        Regex.IsMatch(nginx, @"location /api/live \{[^}]*proxy_buffering off;[^}]*proxy_read_timeout", RegexOptions.Singleline).ShouldBeTrue();
        Regex.Matches(nginx, @"proxy_set_header Host \$http_host;").Count.ShouldBe(2, "the host with its port, as the browser's Origin names it");
        Regex.IsMatch(nginx, @"location = /metrics \{\s*return 404;", RegexOptions.Singleline).ShouldBeTrue("metrics stay on the inside network");
        VolumesExist(Map(services["nginx"]));

        // Prometheus scrapes /metrics on every silo, which is what the silo serves.
        var prometheus = Yaml(Path.Combine(Docker, "prometheus.yml"));
        var job = Map(List(prometheus["scrape_configs"])[0]);
        ((string)job["metrics_path"]).ShouldBe("/metrics");
        List(Map(List(job["static_configs"])[0])["targets"]).Cast<string>().ShouldBe(["silo1:" + port, "silo2:" + port, "silo3:" + port]);
        (await api.CreateClient().GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.OK);
        VolumesExist(Map(services["prometheus"]));
        VolumesExist(Map(services["grafana"]));

        // The azure profile: the Event Hubs emulator and the storage it needs, only when asked for.
        List(Map(services["eventhubs"])["profiles"]).ShouldContain("azure");
        List(Map(services["azurite"])["profiles"]).ShouldContain("azure");
        VolumesExist(Map(services["eventhubs"]));
    }

    [Fact]
    public async Task The_grafana_dashboard_charts_only_series_that_ates_exports()
    {
        var known = await ExportedSeriesAsync();
        var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Docker, "grafana", "dashboards", "ates.json"))).RootElement;
        var titles = dashboard.GetProperty("panels").EnumerateArray().Select(p => p.GetProperty("title").GetString()!).ToList();
        titles.ShouldContain(t => t.Contains("Grain calls"));
        titles.ShouldContain(t => t.Contains("lag"));
        titles.ShouldContain(t => t.Contains("Payouts"));
        titles.ShouldContain(t => t.Contains("Errors"));
        foreach (var expr in dashboard.GetProperty("panels").EnumerateArray().SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!))
        foreach (Match series in Regex.Matches(expr, @"\b(?:ates|orleans|http_server)_[a-z_]+"))
            known.ShouldContain(Regex.Replace(series.Value, "_(bucket|count|sum)$", ""), $"{expr} charts {series.Value}, which Ates does not export");
        var provisioning = Yaml(Path.Combine(Docker, "grafana", "provisioning", "dashboards", "ates.yaml"));
        ((string)Map(Map(List(provisioning["providers"])[0])["options"])["path"]).ShouldBe("/var/lib/grafana/dashboards");
        var compose = Yaml(Path.Combine(Docker, "compose.yaml"));
        List(Map(Map(compose["services"])["grafana"])["volumes"]).Cast<string>().ShouldContain("./grafana/dashboards:/var/lib/grafana/dashboards:ro");
    }

    [Fact]
    public void The_dockerfile_builds_in_stages_runs_as_a_non_root_user_and_checks_the_health_route_on_the_port_it_serves()
    {
        var lines = File.ReadAllLines(Path.Combine(Docker, "Dockerfile")).Where(l => !l.TrimStart().StartsWith('#')).ToList();
        lines.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ShouldBeGreaterThanOrEqualTo(2);
        var user = lines.Last(l => l.StartsWith("USER ", StringComparison.Ordinal))[5..].Trim();
        user.ShouldNotBeOneOf("root", "0");
        var text = string.Join("\n", lines);
        var port = PortOf(Regex.Match(text, @"ASPNETCORE_URLS=(\S+)").Groups[1].Value);
        Regex.Match(text, @"HEALTHCHECK .*http://localhost:(\d+)/health/ready").Groups[1].Value.ShouldBe(port.ToString());
        Regex.Match(text, @"EXPOSE ([\d ]+)").Groups[1].Value.Split(' ').ShouldContain(port.ToString());
        foreach (Match env in Regex.Matches(text, @"(?m)^\s*(?:ENV\s+)?(Ates__\w+)=")) KnownSetting(env.Groups[1].Value).ShouldBeTrue(env.Groups[1].Value);
        foreach (Match project in Regex.Matches(text, @"dotnet publish (\S+\.csproj)")) File.Exists(Path.Combine(RepositoryRoot(), project.Groups[1].Value)).ShouldBeTrue(project.Groups[1].Value);
        text.ShouldContain($"\"{typeof(Program).Assembly.GetName().Name}.dll\"");
    }

    [Fact]
    public async Task The_kubernetes_manifests_probe_real_routes_read_real_settings_and_take_secrets_by_reference()
    {
        var documents = YamlDocuments(Path.Combine(Docker, "k8s", "ates.yaml"));
        documents.Select(d => (string)d["kind"]).ShouldBe(["ConfigMap", "Service", "Service", "StatefulSet", "PodDisruptionBudget", "NetworkPolicy"], ignoreOrder: true);
        // The Orleans ports admit silos only; the web port anyone the ingress sends.
        var policy = Map(documents.Single(d => (string)d["kind"] == "NetworkPolicy")["spec"]);
        var rules = List(policy["ingress"]).Select(Map).ToList();
        var orleans = rules.Single(r => r.ContainsKey("from"));
        List(orleans["ports"]).Select(p => Map(p)["port"].ToString()).ShouldBe(["11111", "30000"]);
        Map(Map(List(orleans["from"]).Select(Map).Single()["podSelector"])["matchLabels"])["app"].ShouldBe("ates-silo");
        rules.Single(r => !r.ContainsKey("from"))["ports"].ShouldNotBeNull();
        foreach (var key in Map(documents.Single(d => (string)d["kind"] == "ConfigMap")["data"]).Keys) KnownSetting(key).ShouldBeTrue(key);

        var pod = Map(Map(Map(documents.Single(d => (string)d["kind"] == "StatefulSet")["spec"])["template"])["spec"]);
        var container = Map(List(pod["containers"])[0]);
        var env = List(container["env"]).Select(Map).ToList();
        foreach (var e in env) KnownSetting((string)e["name"]).ShouldBeTrue((string)e["name"]);
        var http = PortOf((string)env.Single(e => (string)e["name"] == "ASPNETCORE_URLS")["value"]);
        List(container["ports"]).Select(Map).Single(p => (string)p["name"] == "http")["containerPort"].ShouldBe(http.ToString());
        foreach (var secret in new[] { "ConnectionStrings__Ates", "Ates__BootstrapAdmin__Password" })
            Map(env.Single(e => (string)e["name"] == secret)["valueFrom"]).ShouldContainKey("secretKeyRef");
        var ready = (string)Map(Map(container["readinessProbe"])["httpGet"])["path"];
        var live = (string)Map(Map(container["livenessProbe"])["httpGet"])["path"];
        (await api.CreateClient().GetAsync(ready)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await api.CreateClient().GetAsync(live)).StatusCode.ShouldBe(HttpStatusCode.OK);
        ((string)Map(pod["securityContext"])["runAsNonRoot"]).ShouldBe("true");
        var budget = Map(documents.Single(d => (string)d["kind"] == "PodDisruptionBudget")["spec"]);
        int.Parse((string)budget["minAvailable"]).ShouldBe(2);
    }

    /// <summary>Whether Ates or the platform under it reads this configuration key (environment form A__B or A:B).</summary>
    private static bool KnownSetting(string key)
    {
        key = Regex.Replace(key.Replace("__", ":"), @":\d+$", ""); // an element of a list setting (Ates:KnownProxies:0)
        if (key is "ASPNETCORE_URLS" or "ConnectionStrings:Ates" or "Logging:Console:FormatterName" || key.StartsWith("OTEL_", StringComparison.Ordinal)) return true;
        if (key.StartsWith("Ates:Orleans:Membership:", StringComparison.Ordinal))
            return typeof(Orleans.Configuration.ClusterMembershipOptions).GetProperty(key["Ates:Orleans:Membership:".Length..]) is not null;
        return SettingPaths(typeof(AtesSettings), "Ates").Contains(key, StringComparer.OrdinalIgnoreCase);
    }

    private static IEnumerable<string> SettingPaths(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var path = $"{prefix}:{property.Name}";
            var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (t.IsClass && t != typeof(string) && !t.IsArray) foreach (var nested in SettingPaths(t, path)) yield return nested;
            else yield return path;
        }
    }

    /// <summary>Series names /metrics shows now, and those Ates' instruments will show once they record.</summary>
    private async Task<HashSet<string>> ExportedSeriesAsync()
    {
        (await api.CreateClient().GetAsync("/health/live")).EnsureSuccessStatusCode(); // a request, so the HTTP histograms have a sample
        var text = await (await api.CreateClient().GetAsync("/metrics")).Content.ReadAsStringAsync();
        var names = Regex.Matches(text, @"(?m)^([a-z_]+?)(?:_bucket|_count|_sum)?[{ ]").Select(m => m.Groups[1].Value).ToHashSet();
        foreach (var field in typeof(AtesTelemetry).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => typeof(System.Diagnostics.Metrics.Instrument).IsAssignableFrom(f.FieldType)))
        {
            var instrument = (System.Diagnostics.Metrics.Instrument)field.GetValue(null)!;
            var name = instrument.Name.Replace('.', '_');
            names.Add(instrument.GetType().Name.StartsWith("Counter", StringComparison.Ordinal) ? name + "_total" : name);
        }
        return names;
    }

    private static void VolumesExist(Dictionary<string, object> service)
    {
        foreach (var volume in List(service["volumes"]).Cast<string>().Where(v => v.StartsWith("./", StringComparison.Ordinal)))
        {
            var source = Path.Combine(Docker, volume.Split(':')[0]);
            (File.Exists(source) || Directory.Exists(source)).ShouldBeTrue($"{volume}: {source} is missing");
        }
    }

    private static int PortOf(string urls) => int.Parse(Regex.Match(urls, @":(\d+)").Groups[1].Value);

    private static Dictionary<string, object> Yaml(string path) => Map(new DeserializerBuilder().Build().Deserialize<object>(new MergingParser(new Parser(new StringReader(File.ReadAllText(path)))))!);

    private static List<Dictionary<string, object>> YamlDocuments(string path)
    {
        var parser = new MergingParser(new Parser(new StringReader(File.ReadAllText(path))));
        var deserializer = new DeserializerBuilder().Build();
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        var documents = new List<Dictionary<string, object>>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _)) documents.Add(Map(deserializer.Deserialize<object>(parser)!));
        return documents;
    }

    private static Dictionary<string, object> Map(object node) => ((Dictionary<object, object>)node).ToDictionary(e => (string)e.Key, e => e.Value);

    private static List<object> List(object node) => (List<object>)node;

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Ates.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Ates.sln not found above the test's folder.");
    }
}
