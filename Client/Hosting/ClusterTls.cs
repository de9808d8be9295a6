using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace Ates.Client.Hosting;

/// <summary>
/// Mutual TLS on the cluster's own ports (silo to silo, frontend to gateway): every silo and frontend presents the
/// cluster's certificate (Ates:Orleans:Tls:Certificate, a PFX, with :Password) and trusts a peer only when it presents
/// that same certificate, pinned, so no public CA is involved. Without TLS anyone who reaches the silo or gateway port
/// can call any grain (read password hashes, make themselves admin), so a silo on PostgreSQL and every frontend refuse
/// to start without a certificate unless Ates:Orleans:Tls:Disabled says so, which is for one trusted host only. The
/// embedded silo listens on loopback and uses TLS when a certificate is given.
/// </summary>
public static class ClusterTls
{
    public static X509Certificate2? Certificate(AtesSettings settings, bool required)
    {
        var tls = settings.Orleans.Tls;
        if (tls.Disabled) return null;
        if (!string.IsNullOrWhiteSpace(tls.Certificate))
        {
            return LoadWithPrivateKey(tls.Certificate, tls.Password, "Ates:Orleans:Tls:Certificate");
        }
        if (!required) return null;
        throw new InvalidOperationException(
            "The cluster's Orleans ports would run without TLS, and anyone who reaches them could call any grain. " +
            "Set Ates:Orleans:Tls:Certificate to the cluster's PFX (scripts/cluster-certificate.sh makes one; every silo and frontend mounts the same) " +
            "and Ates:Orleans:Tls:Password, or set Ates:Orleans:Tls:Disabled=true on a single trusted host only.");
    }

    /// <summary>A PFX a setting names, which must hold its private key (to prove who we are, or to decrypt).</summary>
    public static X509Certificate2 LoadWithPrivateKey(string path, string? password, string setting)
    {
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        return certificate.HasPrivateKey ? certificate : throw new InvalidOperationException($"{setting} {path} has no private key; a PFX with its key is needed.");
    }

    public static ISiloBuilder UseClusterTls(this ISiloBuilder silo, X509Certificate2 certificate) =>
        silo.UseTls(certificate, o => Pinned(o, certificate));

    public static IClientBuilder UseClusterTls(this IClientBuilder client, X509Certificate2 certificate) =>
        client.UseTls(certificate, o => Pinned(o, certificate));

    /// <summary>Both ends present the cluster certificate and accept only that one (its bytes, not a name or a chain).</summary>
    private static void Pinned(TlsOptions options, X509Certificate2 cluster)
    {
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (remote, _, _) => remote.RawData.AsSpan().SequenceEqual(cluster.RawData);
        options.OnAuthenticateAsClient = (_, client) => client.TargetHost = cluster.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
    }
}
