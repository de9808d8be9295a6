namespace Ates.Grains.Interfaces;

/// <summary>
/// Failed sign-ins of one account, from any address (key: the lower-cased email, known or not, so a lock says nothing
/// about whether the account exists): <see cref="MaxFailures"/> in <see cref="Window"/> lock it until the oldest of them
/// is that old. One activation in the cluster, so every silo and frontend counts together.
/// </summary>
[Alias("ates.sign-in-guard")]
public interface ISignInGuardGrain : IGrainWithStringKey
{
    public const int MaxFailures = 10;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    /// <summary>How long until the account may try again; null when it may now.</summary>
    Task<TimeSpan?> LockedFor();

    Task Failed();

    /// <summary>A right password: the failures before it are forgotten.</summary>
    Task Succeeded();
}
