"""The pure domain: values, workflows, guards, commands and the Issue aggregate. No I/O, no clock."""
