namespace Ates.Testing;

/// <summary>Who a signed-in <see cref="AtesClient"/> acts as (GET /api/me).</summary>
public sealed record SignedIn(Guid Id, string Email, string Name, string Role);
