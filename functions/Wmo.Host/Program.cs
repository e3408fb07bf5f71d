using Wmo.Host;

var app = WmoHost.Build(args);
await app.RunAsync();
