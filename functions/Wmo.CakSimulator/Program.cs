using Wmo.CakSimulator;

var app = CakSimulatorApp.Build(args);
app.Run();
