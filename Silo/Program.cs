using Ates.Silo;
using Ates.Client.Gateway;

var builder = WebApplication.CreateBuilder(args);
builder.AddAtesSilo();
builder.AddAtesGateway();

var app = builder.Build();
app.UseAtesGateway();
app.MapHealth();
app.MapAtesApi();
app.Run();

public partial class Program;
