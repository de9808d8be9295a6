using System.Net.Http.Headers;
using Ates.Client.Sdk.Models;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;

namespace Ates.Client.Sdk;

/// <summary>
/// The hand-written part of the generated client: a client on an <see cref="HttpClient"/> (its BaseAddress is the
/// gateway), and signing in, which keeps the bearer token on that HttpClient for every later call. Refusals arrive as
/// the generated <see cref="ProblemDetails"/> or <see cref="HttpValidationProblemDetails"/> exceptions.
/// </summary>
public static class AtesSdk
{
    public static AtesApiClient Create(HttpClient http) =>
        new(new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http)
        {
            BaseUrl = http.BaseAddress?.GetLeftPart(UriPartial.Authority),
        });

    /// <summary>Signs in for a bearer token (POST /api/auth/token) and answers a client that sends it.</summary>
    public static async Task<AtesApiClient> SignInAsync(HttpClient http, string email, string password, CancellationToken cancellationToken = default)
    {
        var token = await Create(http).Api.Auth.Token.PostAsync(new Credentials { Email = email, Password = password }, cancellationToken: cancellationToken)
            ?? throw new InvalidOperationException("The gateway answered the sign-in without a token.");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        return Create(http);
    }
}
