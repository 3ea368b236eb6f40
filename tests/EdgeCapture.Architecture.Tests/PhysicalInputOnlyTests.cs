using System.Reflection;
using EdgeCapture.Relay;

namespace EdgeCapture.Architecture.Tests;

/// <summary>
/// Nothing remote types, at the level of the API: even a composition root that references the relay can only start it on evdev
/// nodes named by path. No public member accepts events, reports or input-node factories.
/// </summary>
public sealed class PhysicalInputOnlyTests
{
    private static readonly Assembly RelayAssembly = typeof(RelayService).Assembly;

    [Fact]
    public void The_merging_relay_that_writes_reports_is_not_public()
    {
        Type? hidRelay = RelayAssembly.GetType("EdgeCapture.Relay.HidRelay");
        Assert.NotNull(hidRelay);
        Assert.False(hidRelay.IsPublic, "HidRelay accepts events from whoever holds it; it must stay internal");
    }

    [Fact]
    public void The_relay_service_takes_no_input_seams_publicly()
    {
        foreach (ConstructorInfo constructor in typeof(RelayService).GetConstructors(BindingFlags.Public | BindingFlags.Instance))
        {
            Assert.DoesNotContain(constructor.GetParameters(), parameter => typeof(Delegate).IsAssignableFrom(parameter.ParameterType));
        }

        PropertyInfo[] publicProperties = typeof(RelayService).GetProperties(BindingFlags.Public | BindingFlags.Instance);
        Assert.DoesNotContain(publicProperties, property => property.PropertyType.Name is "EvdevReader" or "HidRelay");
    }

    [Fact]
    public void No_public_relay_type_accepts_an_evdev_event_or_a_report()
    {
        // A public method taking an evdev event, a tap event or raw report bytes would be a way to type without a keyboard.
        string[] forbiddenParameterTypes = ["EvdevEvent", "InputTapEvent", "EvdevDevice"];
        var offenders = new List<string>();
        foreach (Type type in RelayAssembly.GetExportedTypes())
        {
            foreach (MethodBase method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly).Cast<MethodBase>()
                         .Concat(type.GetConstructors(BindingFlags.Public | BindingFlags.Instance)))
            {
                foreach (ParameterInfo parameter in method.GetParameters())
                {
                    Type parameterType = parameter.ParameterType.IsByRef ? parameter.ParameterType.GetElementType()! : parameter.ParameterType;
                    if (forbiddenParameterTypes.Contains(parameterType.Name))
                    {
                        offenders.Add($"{type.Name}.{method.Name}({parameterType.Name})");
                    }
                }
            }
        }

        Assert.Empty(offenders);
    }
}
