using System.Xml.Linq;
using Ates.Storage.Journal;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;

namespace Ates.Client.Gateway;

/// <summary>
/// Keeps the data-protection key ring in the journal's store, so a cookie or bearer token issued by one silo is
/// accepted by every other, and survives restarts.
/// </summary>
public sealed class SharedKeyRing(ISharedKeys store) : IXmlRepository
{
    // IXmlRepository is synchronous; both stores answer from memory or one short query.
    public IReadOnlyCollection<XElement> GetAllElements() =>
        store.ReadKeysAsync().GetAwaiter().GetResult().Select(k => XElement.Parse(k.Value)).ToList();

    public void StoreElement(XElement element, string friendlyName) =>
        store.StoreKeyAsync($"data-protection/{friendlyName}", element.ToString(SaveOptions.DisableFormatting)).GetAwaiter().GetResult();
}

public static class SharedKeyRingSetup
{
    public static IServiceCollection AddSharedKeyRing(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("Ates");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new SharedKeyRing(sp.GetRequiredService<ISharedKeys>())));
        return services;
    }
}
