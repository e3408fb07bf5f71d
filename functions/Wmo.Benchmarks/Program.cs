// Benchmark programs (not tests). Each measures the project against a baseline taken in the same run.
//   Wmo.Benchmarks queue --storage <connection string> [...]   trigger runtime vs raw storage client
//   Wmo.Benchmarks validation --examples DIR [...]            message validation vs xmllint --schema
return args.FirstOrDefault() switch
{
    "queue" => await QueueBenchmark.RunAsync(args[1..]),
    "validation" => ValidationBenchmark.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Wmo.Benchmarks queue --storage CONN [--messages N] [--rounds N] [--output DIR]");
    Console.Error.WriteLine("       Wmo.Benchmarks validation --examples DIR [--repeat N] [--output DIR]");
    return 2;
}
