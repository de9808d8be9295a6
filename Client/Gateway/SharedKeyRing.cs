using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Ates.Client.Hosting;
using Ates.Storage.Journal;
using Ates.Storage.Sqlite;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;

namespace Ates.Client.Gateway;

/// <summary>
/// Keeps the data-protection key ring in the journal's store, so a cookie or bearer token issued by one silo is
/// accepted by every other, and survives restarts. Each key's secret is stored encrypted (<see cref="KeyRingProtection"/>):
/// a copy or a backup of the database alone cannot mint a cookie.
/// </summary>
public sealed class SharedKeyRing(ISharedKeys store, IXmlEncryptor? encryptor) : IXmlRepository
{
    private const string KeyPrefix = "data-protection/";
    private static readonly XNamespace DataProtection = "http://schemas.asp.net/2015/03/dataProtection";

    // IXmlRepository is synchronous; both stores answer from memory or one short query.
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var keys = store.ReadKeysAsync().GetAwaiter().GetResult();
        return keys.Select(k => EncryptedIfPlain(k.Name, XElement.Parse(k.Value))).ToList();
    }

    public void StoreElement(XElement element, string friendlyName) =>
        store.StoreKeyAsync(KeyPrefix + friendlyName, element.ToString(SaveOptions.DisableFormatting)).GetAwaiter().GetResult();

    /// <summary>
    /// A key stored before the ring was protected holds its secret in plain text: it is encrypted in place the first time
    /// it is read, as Data Protection itself encrypts a new key's secret (the element marked requiresEncryption becomes
    /// an encryptedSecret naming its decryptor), so cookies issued with it stay valid.
    /// </summary>
    private XElement EncryptedIfPlain(string name, XElement key)
    {
        if (encryptor is null) return key;
        var plain = key.Descendants().Where(e => (bool?)e.Attribute(DataProtection + "requiresEncryption") == true).ToList();
        if (plain.Count == 0) return key;
        foreach (var secret in plain)
        {
            var encrypted = encryptor.Encrypt(new XElement(secret));
            secret.ReplaceWith(new XElement(DataProtection + "encryptedSecret",
                new XAttribute("decryptorType", encrypted.DecryptorType.AssemblyQualifiedName!), encrypted.EncryptedElement));
        }
        store.StoreKeyAsync(name, key.ToString(SaveOptions.DisableFormatting)).GetAwaiter().GetResult();
        return key;
    }
}

/// <summary>
/// What encrypts the key ring's secrets at rest: the certificate Ates:KeyRing:Certificate names (a PFX every silo and
/// frontend shares), else the cluster's TLS certificate (Ates:Orleans:Tls:Certificate), else a certificate of our own in Ates:KeyRing:KeyFile (created, mode 0600, when missing; by default
/// in the data directory beside the journal file, never inside it). With PostgreSQL, where several hosts share the ring,
/// one of the two must be set: a process will not store the ring in plain text.
/// </summary>
public static class KeyRingProtection
{
    public const string DefaultKeyFile = "keyring-protection.pfx";

    public static X509Certificate2? Certificate(AtesSettings settings)
    {
        var ring = settings.KeyRing;
        // The cluster's TLS certificate, when there is one, is a certificate every process holds already.
        var (path, password, name) = !string.IsNullOrWhiteSpace(ring.Certificate) ? (ring.Certificate, ring.Password, "Ates:KeyRing:Certificate")
            : !settings.Orleans.Tls.Disabled && !string.IsNullOrWhiteSpace(settings.Orleans.Tls.Certificate) ? (settings.Orleans.Tls.Certificate, settings.Orleans.Tls.Password, "Ates:Orleans:Tls:Certificate")
            : (null, null, null);
        if (path is not null) return ClusterTls.LoadWithPrivateKey(path, password, name!);
        var keyFile = !string.IsNullOrWhiteSpace(ring.KeyFile) ? ring.KeyFile
            : !settings.OnPostgres && !string.IsNullOrWhiteSpace(settings.DataDirectory) ? Path.Combine(settings.DataDirectory, DefaultKeyFile)
            : null;
        if (keyFile is not null) return LoadOrCreate(keyFile);
        if (settings.OnPostgres)
            throw new InvalidOperationException(
                "Ates:Storage is Postgres, and the key ring that signs cookies and tokens would be stored in the database in plain text. " +
                "Set Ates:KeyRing:Certificate (a PFX file every silo and frontend shares, with Ates:KeyRing:Password; the cluster's Ates:Orleans:Tls:Certificate serves too) " +
                "or Ates:KeyRing:KeyFile (a path every process can read; created, readable by its owner only, when missing).");
        return null; // the embedded journal in memory: nothing is at rest
    }

    private static X509Certificate2 LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            using var rsa = RSA.Create(3072);
            var request = new CertificateRequest("CN=Ates key ring protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(100));
            // Two processes starting together: the first file wins, the other reads it.
            PrivateFiles.TryCreate(path, created.Export(X509ContentType.Pkcs12));
        }
        return X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
    }
}

public static class SharedKeyRingSetup
{
    public static IServiceCollection AddSharedKeyRing(this IServiceCollection services, AtesSettings settings)
    {
        var protection = services.AddDataProtection().SetApplicationName("Ates");
        if (KeyRingProtection.Certificate(settings) is { } certificate) protection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new SharedKeyRing(sp.GetRequiredService<ISharedKeys>(), o.XmlEncryptor)));
        return services;
    }
}
