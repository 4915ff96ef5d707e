/*
 * machine/dsdt.asl: the DSDT of lockstep's i440FX/PIIX3 PC, compiled with
 * iasl at build time (machine/fwcfg.mk) and served through fw_cfg in
 * etc/acpi/tables (machine/acpi_tables.c). ACPI 1.0 compliance revision:
 * integers are 32-bit. Devices follow the PNP ids QEMU's pc DSDT uses.
 *
 * P0S is patched by acpi_tables.c with the first address above low RAM; it
 * must stay a 32-bit constant that needs four bytes (NameOp "P0S_" DWordPrefix).
 */
DefinitionBlock ("", "DSDT", 1, "LCKSTP", "LSPCDSDT", 0x00000001)
{
    Scope (\_SB)
    {
        /* The CPU (ACPI 6.x 8.4 Declaring Processors: Device with ACPI0007). */
        Device (CP00)
        {
            Name (_HID, "ACPI0007")
            Name (_UID, Zero)
        }

        /* i440FX host bridge: PCI bus 0 and the windows it decodes. */
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A03"))
            Name (_UID, Zero)
            /* Start of the 32-bit PCI window (patched: top of low RAM). */
            Name (P0S, 0xFFFFFFF0)
            Name (CRES, ResourceTemplate ()
            {
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0000, 0x00FF, 0x0000, 0x0100,,,)
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08,)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8,,, , TypeStatic)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300,,, , TypeStatic)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable,
                    ReadWrite, 0x00000000, 0x000A0000, 0x000BFFFF, 0x00000000,
                    0x00020000,,, , AddressRangeMemory, TypeStatic)
                /* Below the IO-APIC window at 0xFEC00000, like QEMU's pc. */
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable,
                    ReadWrite, 0x00000000, 0xE0000000, 0xFEBFFFFF, 0x00000000,
                    0x1EC00000,,, W32, AddressRangeMemory, TypeStatic)
            })
            Method (_CRS, 0, NotSerialized)
            {
                CreateDWordField (CRES, \_SB.PCI0.W32._MIN, PMIN)
                CreateDWordField (CRES, \_SB.PCI0.W32._MAX, PMAX)
                CreateDWordField (CRES, \_SB.PCI0.W32._LEN, PLEN)
                PMIN = P0S
                PLEN = PMAX - PMIN + One
                Return (CRES)
            }

            /* PIIX3 PCI-to-ISA bridge at 00:01.0 and the legacy devices behind it. */
            Device (ISA)
            {
                Name (_ADR, 0x00010000)

                /* 8259 pair. */
                Device (PIC)
                {
                    Name (_HID, EisaId ("PNP0000"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0020, 0x0020, 0x01, 0x02,)
                        IO (Decode16, 0x00A0, 0x00A0, 0x01, 0x02,)
                        IRQNoFlags () {2}
                    })
                }

                /* 8254 PIT. */
                Device (TMR)
                {
                    Name (_HID, EisaId ("PNP0100"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0040, 0x0040, 0x01, 0x04,)
                        IRQNoFlags () {0}
                    })
                }

                /* MC146818 RTC and CMOS. */
                Device (RTC)
                {
                    Name (_HID, EisaId ("PNP0B00"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0070, 0x0070, 0x01, 0x02,)
                        IRQNoFlags () {8}
                    })
                }

                /* i8042 keyboard controller (SeaBIOS and OSes look for PNP0303). */
                Device (KBD)
                {
                    Name (_HID, EisaId ("PNP0303"))
                    Name (_STA, 0x0F)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0060, 0x0060, 0x01, 0x01,)
                        IO (Decode16, 0x0064, 0x0064, 0x01, 0x01,)
                        IRQNoFlags () {1}
                    })
                }

                /* 16550A UART, COM1. */
                Device (COM1)
                {
                    Name (_HID, EisaId ("PNP0501"))
                    Name (_UID, One)
                    Name (_STA, 0x0F)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08,)
                        IRQNoFlags () {4}
                    })
                }

                /* QEMU fw_cfg (docs/specs/fw_cfg.rst "ACPI Interface"). */
                Device (FWCF)
                {
                    Name (_HID, "QEMU0002")
                    Name (_STA, 0x0B)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0510, 0x0510, 0x01, 0x0C,)
                    })
                }
            }
        }
    }

    /*
     * Soft off (ACPI 1.0b 7.5.2 \_Sx states). SLP_TYP 0 in PM1a_CNT bits
     * 10-12 with SLP_EN (bit 13) means power off, as in QEMU's PIIX4 PM
     * (hw/acpi/core.c acpi_pm1_cnt_write) and its DSDT. The PM device
     * implements the same value.
     */
    Name (_S5, Package (0x04)
    {
        Zero,  /* PM1a_CNT.SLP_TYP */
        Zero,  /* PM1b_CNT.SLP_TYP */
        Zero,
        Zero
    })
}
