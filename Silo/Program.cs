using Ates.Silo;

var builder = WebApplication.CreateBuilder(args);
builder.AddAtesRuntime();

var app = builder.Build();
app.MapHealth();
app.Run();

public partial class Program;
