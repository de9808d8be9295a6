namespace Ates.Grains.Interfaces;

/// <summary>The integration feed's relay of one journal partition (key: its stream's, "relay#3").</summary>
[Alias("ates.integration-relay")]
public interface IIntegrationRelayGrain : IGrainWithStringKey, Ates.Journal.IJournalConsumer
{
}
