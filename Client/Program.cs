using Ates.Client.Gateway;
using Ates.Client.Hosting;

namespace Ates.Client;

/// <summary>The web frontend on its own: an Orleans client of the PostgreSQL cluster named by the same settings as its silos.</summary>
public static class Frontend
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddAtesFrontend();
        builder.AddAtesGateway();

        var app = builder.Build();
        app.UseAtesGateway();
        app.MapHealth();
        app.MapAtesApi();
        app.Run();
    }
}
