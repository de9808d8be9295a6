using Ates.Client.Hosting;
using Ates.Grains.Interfaces;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Ates.Cluster.Tests;

/// <summary>
/// Issue 19, finding 1: a ten-line Orleans client with no credentials could call FindByEmail on the gateway and read the
/// admin's password hash. Every process a test starts speaks mutual TLS with the run's cluster certificate (SiloProcess),
/// so every cluster test is also a test that a TLS cluster works; this one is about who is let in.
/// </summary>
public sealed class ClusterTlsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>A client like the review's: it knows the gateway port and the cluster ids, and presents what it is given.</summary>
    private static async Task<UserCredentials?> FindAdminAsync(int gatewayPort, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.UseLocalhostClustering(gatewayPort, serviceId: "ates", clusterId: "ates");
            if (certificate is not null) client.UseClusterTls(certificate);
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            client.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
        });
        using var host = builder.Build();
        try
        {
            await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var registry = host.Services.GetRequiredService<IClusterClient>().GetGrain<IUserRegistryGrain>(Singletons.Key);
            return await registry.FindByEmail("admin@ates.local").WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await host.StopAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [Fact]
    public async Task Only_a_peer_presenting_the_cluster_certificate_reaches_the_grains()
    {
        var gatewayPort = SiloProcess.FreePort();
        await using var silo = SiloProcess.Start(new Dictionary<string, string>
        {
            ["Ates__Storage"] = "Embedded", ["Ates__DataDirectory"] = "", ["Ates__Orleans__GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await silo.WaitReadyAsync(TimeSpan.FromSeconds(90));

        var withoutTls = await Should.ThrowAsync<Exception>(() => FindAdminAsync(gatewayPort, certificate: null));
        output.WriteLine($"no certificate: {withoutTls.GetType().Name}: {withoutTls.Message}");
        var stranger = await Should.ThrowAsync<Exception>(() => FindAdminAsync(gatewayPort, TestCertificates.Create("not-the-cluster").Load()));
        output.WriteLine($"another certificate: {stranger.GetType().Name}: {stranger.Message}");

        var member = await FindAdminAsync(gatewayPort, TestCertificates.Cluster.Load());
        member.ShouldNotBeNull("the cluster's own certificate is let in, so the refusals above are the certificate's doing");
    }

    [Fact]
    public async Task With_tls_disabled_the_plain_client_of_the_review_reads_the_admins_password_hash_which_is_why_the_setting_is_for_one_trusted_host()
    {
        var gatewayPort = SiloProcess.FreePort();
        await using var silo = SiloProcess.Start(new Dictionary<string, string>
        {
            ["Ates__Storage"] = "Embedded", ["Ates__DataDirectory"] = "", ["Ates__Orleans__Tls__Disabled"] = "true",
            ["Ates__Orleans__GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await silo.WaitReadyAsync(TimeSpan.FromSeconds(90));

        var admin = await FindAdminAsync(gatewayPort, certificate: null);
        admin.ShouldNotBeNull();
        admin.PasswordHash.ShouldNotBeNullOrEmpty("the finding, as the review saw it");
    }
}
