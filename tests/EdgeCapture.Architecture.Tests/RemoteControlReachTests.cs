using System.Reflection;

namespace EdgeCapture.Architecture.Tests;

/// <summary>
/// "Nothing remote types" and "Governed control" by construction: the projects that handle MQTT messages, fleet commands
/// and remote configuration cannot name the gadget writer (Relay), the HID report encoders (Hid), the input readers
/// (Input), or the privacy hardware with the switch and the recording indicator (Privacy). A fleet command can therefore
/// neither produce HID output nor turn the indicator off; it reaches the recorder only through the stricter-only remote
/// hold the appliance ANDs into the gate.
/// </summary>
public sealed class RemoteControlReachTests
{
    private static readonly string[] RemoteFacing = ["EdgeCapture.Fleet", "EdgeCapture.Protocol", "EdgeCapture.Transport"];
    private static readonly string[] OutOfReach = ["EdgeCapture.Relay", "EdgeCapture.Hid", "EdgeCapture.Input", "EdgeCapture.Privacy"];

    private readonly ProjectGraph _graph = ProjectGraph.Load();

    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (string project in RemoteFacing)
        {
            foreach (string forbidden in OutOfReach)
            {
                data.Add(project, forbidden);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Remote_facing_projects_cannot_reach_output_input_or_privacy_hardware(string project, string forbidden)
    {
        Assert.DoesNotContain(forbidden, _graph.TransitiveReferences(project));
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Remote_facing_assemblies_do_not_load_them_either(string project, string forbidden)
    {
        string path = Path.Combine(AppContext.BaseDirectory, project + ".dll");
        Assert.True(File.Exists(path), path + " is not in the test output");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.Count > 0)
        {
            string name = pending.Pop();
            string file = Path.Combine(AppContext.BaseDirectory, name + ".dll");
            if (!seen.Add(name) || !File.Exists(file))
            {
                continue;
            }

            foreach (AssemblyName reference in Assembly.LoadFrom(file).GetReferencedAssemblies())
            {
                if (reference.Name is { } referenced && referenced.StartsWith("EdgeCapture.", StringComparison.Ordinal))
                {
                    pending.Push(referenced);
                }
            }
        }

        Assert.DoesNotContain(forbidden, seen);
    }
}
