using System.Net;
using Ates.Client.Gateway;
using Ates.Storage.Sqlite;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ates.Api.Tests;

/// <summary>
/// Issue 19, finding 5: a copy of the database cannot mint a cookie. The key ring's secrets are stored encrypted by a
/// certificate kept outside the database (mode 0600), and the data directory is its owner's alone.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are the point
public sealed class KeyRingAtRestTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _data = Directory.CreateTempSubdirectory("ates-keyring-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private ConfiguredSilo Silo() => new(new Dictionary<string, string?> { ["Ates:DataDirectory"] = _data, ["Ates:SeedDemoUsers"] = "true" });

    private List<string> StoredKeys()
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(_data, SqliteJournal.FileName)};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var read = new SqliteCommand("select value from shared_keys where name like 'data-protection/%'", db);
        using var r = read.ExecuteReader();
        var keys = new List<string>();
        while (r.Read()) keys.Add(r.GetString(0));
        return keys;
    }

    [Fact]
    public async Task The_keys_are_stored_encrypted_the_files_are_the_owners_alone_and_a_token_outlives_a_restart()
    {
        HttpClient admin;
        await using (var silo = Silo())
        {
            admin = await silo.ClientAsync("admin@ates.local", "admin");
            (await admin.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var keys = StoredKeys();
        keys.ShouldNotBeEmpty();
        keys.ShouldAllBe(k => k.Contains("encryptedSecret") && !k.Contains("masterKey"), "no key's secret is in the database in plain text");
        File.GetUnixFileMode(_data).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var file in Directory.GetFiles(_data)) File.GetUnixFileMode(file).ShouldBe(OwnerOnly, Path.GetFileName(file));
        File.Exists(Path.Combine(_data, KeyRingProtection.DefaultKeyFile)).ShouldBeTrue("the key-encryption certificate is a file of its own, not in the database");

        await using var again = Silo();
        var client = again.CreateClient();
        client.DefaultRequestHeaders.Authorization = admin.DefaultRequestHeaders.Authorization;
        (await client.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK, "the ring decrypts after a restart");
    }

    [Fact]
    public async Task A_ring_stored_in_plain_text_by_an_older_version_is_encrypted_in_place_and_what_it_protected_still_opens()
    {
        string protectedBefore;
        await using (var journal = SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = _data }))
        {
            var services = new ServiceCollection();
            services.AddDataProtection().SetApplicationName("Ates");
            services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new SharedKeyRing(journal, null)));
            await using var provider = services.BuildServiceProvider();
            protectedBefore = provider.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("issued before the upgrade");
        }
        StoredKeys().ShouldContain(k => k.Contains("masterKey"), "the older version's ring, in plain text");

        await using var silo = Silo();
        silo.CreateClient();
        silo.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(protectedBefore).ShouldBe("issued before the upgrade");
        StoredKeys().ShouldAllBe(k => k.Contains("encryptedSecret") && !k.Contains("masterKey"));
    }
}
