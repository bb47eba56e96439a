//! Where the model runs: `cpu` (default) or `cuda[:N]` (with the `cuda` feature).

use std::fmt;
use std::str::FromStr;

use anyhow::{bail, Context, Result};
use candle_core::Device;

/// A device as named on the command line (`--device cpu|cuda[:N]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DeviceSpec {
    #[default]
    Cpu,
    /// An NVIDIA GPU by CUDA ordinal.
    Cuda(usize),
}

impl FromStr for DeviceSpec {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "cpu" => Ok(DeviceSpec::Cpu),
            "cuda" => Ok(DeviceSpec::Cuda(0)),
            _ => s
                .strip_prefix("cuda:")
                .and_then(|n| n.parse().ok())
                .map(DeviceSpec::Cuda)
                .ok_or_else(|| format!("unknown device {s:?}: expected cpu, cuda or cuda:N")),
        }
    }
}

impl fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceSpec::Cpu => f.write_str("cpu"),
            DeviceSpec::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

/// Whether this build has the `cuda` feature (candle's CUDA back-end).
pub const CUDA_BUILT: bool = cfg!(feature = "cuda");

impl DeviceSpec {
    /// Opens the device. Without the `cuda` feature a CUDA device is an error
    /// saying so (candle's own message would only say "not compiled with cuda").
    pub fn open(self) -> Result<Device> {
        match self {
            DeviceSpec::Cpu => Ok(Device::Cpu),
            DeviceSpec::Cuda(_) if !CUDA_BUILT => bail!(
                "--device {self}: this autocode was built without the `cuda` feature \
                 (rebuild with `cargo build --release --features cuda` where the CUDA toolkit is installed)"
            ),
            DeviceSpec::Cuda(n) => {
                Device::new_cuda(n).with_context(|| format!("--device {self}: opening the GPU"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_device_names() {
        assert_eq!("cpu".parse(), Ok(DeviceSpec::Cpu));
        assert_eq!("cuda".parse(), Ok(DeviceSpec::Cuda(0)));
        assert_eq!("cuda:1".parse(), Ok(DeviceSpec::Cuda(1)));
        for bad in ["gpu", "cuda:", "cuda:x", "CPU", ""] {
            let err = bad.parse::<DeviceSpec>().unwrap_err();
            assert!(err.contains("expected cpu, cuda or cuda:N"), "{bad}: {err}");
        }
        assert_eq!(DeviceSpec::Cuda(2).to_string(), "cuda:2");
    }

    #[test]
    fn cuda_without_the_feature_says_so() {
        let got = DeviceSpec::Cuda(0).open();
        if CUDA_BUILT {
            // With the feature: either a GPU or candle's error naming the device.
            if let Err(e) = got {
                assert!(format!("{e:#}").contains("cuda:0"), "{e:#}");
            }
        } else {
            let e = got.unwrap_err().to_string();
            assert!(e.contains("built without the `cuda` feature"), "{e}");
        }
        assert!(DeviceSpec::Cpu.open().unwrap().is_cpu());
    }
}
