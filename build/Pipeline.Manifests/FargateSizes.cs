namespace Pipeline.Manifests;

/// <summary>The CPU/memory pairs Fargate accepts (the smaller sizes, which are all a service here should need).</summary>
public static class FargateSizes
{
    static readonly Dictionary<int, int[]> MemoryByCpu = new()
    {
        [256] = [512, 1024, 2048],
        [512] = [1024, 2048, 3072, 4096],
        [1024] = [2048, 3072, 4096, 5120, 6144, 7168, 8192],
        [2048] = Enumerable.Range(4, 13).Select(gb => gb * 1024).ToArray(),
        [4096] = Enumerable.Range(8, 23).Select(gb => gb * 1024).ToArray(),
    };

    public static bool IsValid(int cpu, int memory) =>
        MemoryByCpu.TryGetValue(cpu, out var memories) && memories.Contains(memory);
}
