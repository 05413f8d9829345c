//! Trial: ways into a file for a scan that reads every byte once (a word sum stands in for
//! the scanner): read(2) into a recycled 4 MiB buffer; a whole-file mapping with MADV_DONTNEED
//! behind the cursor every STEP bytes; a mapping per 64 MiB window, unmapped when done.
use std::io::Read;

fn sum(bytes: &[u8]) -> u64 {
    bytes.chunks_exact(8).fold(0u64, |s, w| {
        s.wrapping_add(u64::from_le_bytes(w.try_into().unwrap()))
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args[1].as_str();
    let path = &args[2];
    let mut total = 0u64;
    match mode {
        "read" => {
            let mut file = std::fs::File::open(path).unwrap();
            let mut buf = vec![0u8; 4 << 20];
            loop {
                let n = file.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                total = total.wrapping_add(sum(&buf[..n]));
            }
        }
        "map-dontneed" => {
            let step: usize = args[3].parse::<usize>().unwrap() << 20;
            let file = std::fs::File::open(path).unwrap();
            let map = unsafe { memmap2::Mmap::map(&file).unwrap() };
            let mut at = 0;
            while at < map.len() {
                let end = (at + step).min(map.len());
                total = total.wrapping_add(sum(&map[at..end]));
                unsafe {
                    map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, at, end - at)
                        .unwrap()
                };
                at = end;
            }
        }
        "map-window" => {
            let step: usize = args[3].parse::<usize>().unwrap() << 20;
            let file = std::fs::File::open(path).unwrap();
            let len = file.metadata().unwrap().len() as usize;
            let mut at = 0;
            while at < len {
                let end = (at + step).min(len);
                let map = unsafe {
                    memmap2::MmapOptions::new()
                        .offset(at as u64)
                        .len(end - at)
                        .map(&file)
                        .unwrap()
                };
                total = total.wrapping_add(sum(&map));
                at = end;
            }
        }
        "map-window-populate" => {
            let step: usize = args[3].parse::<usize>().unwrap() << 20;
            let file = std::fs::File::open(path).unwrap();
            let len = file.metadata().unwrap().len() as usize;
            let mut at = 0;
            while at < len {
                let end = (at + step).min(len);
                let map = unsafe {
                    memmap2::MmapOptions::new()
                        .offset(at as u64)
                        .len(end - at)
                        .populate()
                        .map(&file)
                        .unwrap()
                };
                total = total.wrapping_add(sum(&map));
                at = end;
            }
        }
        _ => panic!("mode"),
    }
    println!("{mode}: {total}");
}
