namespace Ates.Browser.Tests;

/// <summary>The browser test classes about a fresh demo site share one silo (started once), and run one after another on it.</summary>
[CollectionDefinition(Name)]
public sealed class DemoSiteCollection : ICollectionFixture<DemoSite>
{
    public const string Name = "Demo site";
}
