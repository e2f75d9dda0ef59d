//! The demo's badge picture: a round badge drawn here and encoded with the `png` crate.

/// A 192×192 RGBA PNG: a blue disc with a gold ring and a white check mark.
pub fn badge_png() -> Vec<u8> {
    const N: u32 = 192;
    let mut rgba = Vec::with_capacity((N * N * 4) as usize);
    let c = N as f32 / 2.0;
    for y in 0..N {
        for x in 0..N {
            let (dx, dy) = (x as f32 - c, y as f32 - c);
            let r = (dx * dx + dy * dy).sqrt();
            // Distance to the check mark's two strokes.
            let on_check = near_segment(x as f32, y as f32, (58.0, 100.0), (84.0, 126.0), 9.0)
                || near_segment(x as f32, y as f32, (84.0, 126.0), (136.0, 70.0), 9.0);
            let px = if r > 92.0 {
                [0, 0, 0, 0]
            } else if r > 80.0 {
                [212, 160, 23, 255]
            } else if on_check {
                [255, 255, 255, 255]
            } else {
                let shade = (40.0 + (y as f32 / N as f32) * 60.0) as u8;
                [20, shade, 160, 255]
            };
            rgba.extend_from_slice(&px);
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, N, N);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    // Encoding a fixed in-memory image into a Vec cannot fail; fall back to no image if it does.
    let ok = enc
        .write_header()
        .and_then(|mut w| w.write_image_data(&rgba))
        .is_ok();
    if ok { out } else { Vec::new() }
}

fn near_segment(px: f32, py: f32, a: (f32, f32), b: (f32, f32), width: f32) -> bool {
    let (vx, vy) = (b.0 - a.0, b.1 - a.1);
    let t = (((px - a.0) * vx + (py - a.1) * vy) / (vx * vx + vy * vy)).clamp(0.0, 1.0);
    let (qx, qy) = (a.0 + t * vx, a.1 + t * vy);
    ((px - qx).powi(2) + (py - qy).powi(2)).sqrt() <= width
}
