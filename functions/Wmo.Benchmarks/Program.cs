// Benchmark programs (not tests). Each measures the project against a baseline taken in the same run.
//   Wmo.Benchmarks queue --storage <connection string> [...]   trigger runtime vs raw storage client
//   Wmo.Benchmarks validation --examples DIR [...]            message validation vs xmllint --schema
//   Wmo.Benchmarks hub --url URL --storage CONN [...]         hub end to end vs raw queue round trip
//   Wmo.Benchmarks scan --storage CONN [...]                  detection scan: small vs large ledger, 50,000 due
//   Wmo.Benchmarks dashboard --url URL --storage CONN [...]   dashboard pages with 100,000 open alerts vs a static page
return args.FirstOrDefault() switch
{
    "queue" => await QueueBenchmark.RunAsync(args[1..]),
    "validation" => ValidationBenchmark.Run(args[1..]),
    "hub" => await HubBenchmark.RunAsync(args[1..]),
    "scan" => await ScanBenchmark.RunAsync(args[1..]),
    "dashboard" => await DashboardBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Wmo.Benchmarks queue --storage CONN [--messages N] [--rounds N] [--output DIR]");
    Console.Error.WriteLine("       Wmo.Benchmarks validation --examples DIR [--repeat N] [--output DIR]");
    Console.Error.WriteLine("       Wmo.Benchmarks hub --url URL --storage CONN [--clients 3000] [--senders 16] [--output DIR]");
    Console.Error.WriteLine("       Wmo.Benchmarks scan --storage CONN [--small 100000] [--large 1000000] [--output DIR]");
    Console.Error.WriteLine("       Wmo.Benchmarks dashboard --url URL --storage CONN [--alerts 100000] [--requests 200] [--output DIR]");
    return 2;
}
