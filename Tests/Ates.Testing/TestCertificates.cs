using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Ates.Testing;

/// <summary>A certificate made for this test run, as scripts/cluster-certificate.sh makes one for a deployment.</summary>
public sealed record TestCertificate(string Path, string Password)
{
    public X509Certificate2 Load() => X509CertificateLoader.LoadPkcs12FromFile(Path, Password);
}

/// <summary>The test run's cluster certificate (every process a test starts gets it), and strangers' ones.</summary>
public static class TestCertificates
{
    private static readonly List<string> Made = [];
    private static readonly Lazy<TestCertificate> SharedCluster = new(() => Create("ates-cluster"));

    public static TestCertificate Cluster => SharedCluster.Value;

    /// <summary>A self-signed certificate with a private key, for server and client authentication.</summary>
    public static TestCertificate Create(string name)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ates-test-{name}-{Environment.ProcessId}-{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        lock (Made) Made.Add(path);
        return new TestCertificate(path, password);
    }

    internal static void DeleteAll()
    {
        lock (Made)
        {
            foreach (var path in Made) File.Delete(path);
            Made.Clear();
        }
    }
}
