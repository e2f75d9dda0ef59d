//! The one-page portfolio as a PDF (A4): the shared badges' images, names, issuers and dates,
//! the share link and its QR code, so that a paper copy can still be checked. Written with
//! `pdf-writer`; PNG images are embedded (RGB with an alpha mask), SVG images get a framed
//! placeholder with the name (badgesafe does not render SVG).

use badgesafe_pages::Lang;
use badgesafe_wallet::Badge;
use badgesafe_wallet::share::Share;
use pdf_writer::{Content, Filter, Finish as _, Name, Pdf, Rect, Ref, Str};

const W: f32 = 595.0;
const H: f32 = 842.0;
/// Badges laid out on the page at most; more are counted in a line below.
const MAX_BADGES: usize = 9;
/// The largest image decoded (pixels per side).
const MAX_SIDE: u32 = 2048;

/// Text as WinAnsi bytes for the standard Helvetica fonts (Dutch and other Western European
/// letters; anything else becomes `?`).
fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '–' => 0x96,
            '—' => 0x97,
            _ => b'?',
        })
        .collect()
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// A PNG decoded to RGB and alpha, 8 bits each.
struct Raster {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
    alpha: Vec<u8>,
}

fn decode_png(bytes: &[u8]) -> Option<Raster> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().ok()?;
    let (w, h) = (reader.info().width, reader.info().height);
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        return None;
    }
    let mut buf = vec![0; reader.output_buffer_size()?];
    let frame = reader.next_frame(&mut buf).ok()?;
    let data = &buf[..frame.buffer_size()];
    let px = (w * h) as usize;
    let (mut rgb, mut alpha) = (Vec::with_capacity(px * 3), Vec::with_capacity(px));
    match frame.color_type {
        png::ColorType::Rgba => data.chunks_exact(4).for_each(|p| {
            rgb.extend_from_slice(&p[..3]);
            alpha.push(p[3]);
        }),
        png::ColorType::Rgb => data.chunks_exact(3).for_each(|p| {
            rgb.extend_from_slice(p);
            alpha.push(255);
        }),
        png::ColorType::GrayscaleAlpha => data.chunks_exact(2).for_each(|p| {
            rgb.extend_from_slice(&[p[0], p[0], p[0]]);
            alpha.push(p[1]);
        }),
        png::ColorType::Grayscale => data.iter().for_each(|&g| {
            rgb.extend_from_slice(&[g, g, g]);
            alpha.push(255);
        }),
        png::ColorType::Indexed => return None,
    }
    (rgb.len() == px * 3).then_some(Raster {
        width: w,
        height: h,
        rgb,
        alpha,
    })
}

fn deflate(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

fn png_of(badge: &Badge) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let uri = badgesafe_wallet::import::image_of(badge)?;
    let data = uri.strip_prefix("data:image/png;base64,")?;
    base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .ok()
}

fn text(content: &mut Content, font: Name<'_>, size: f32, x: f32, y: f32, s: &str) {
    content.begin_text();
    content.set_font(font, size);
    content.next_line(x, y);
    content.show(Str(&win_ansi(s)));
    content.end_text();
}

/// The portfolio of `share` (with `badges`, the ones it shows) as PDF bytes.
pub fn portfolio(l: Lang, share: &Share, badges: &[Badge]) -> Result<Vec<u8>, String> {
    let mut pdf = Pdf::new();
    let (catalog, tree, page_id, content_id, font, bold) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
        Ref::new(6),
    );
    let mut next = 7;
    let (regular, heavy) = (Name(b"F1"), Name(b"F2"));
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page_id]).count(1);
    pdf.type1_font(font)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));

    let mut content = Content::new();
    let mut images: Vec<(String, Ref)> = Vec::new();
    text(
        &mut content,
        heavy,
        22.0,
        50.0,
        H - 70.0,
        l.t("Mijn badges", "My badges"),
    );
    let (cell_w, cell_h, top) = (165.0, 200.0, H - 100.0);
    for (i, b) in badges.iter().take(MAX_BADGES).enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let (col, row) = ((i % 3) as f32, (i / 3) as f32);
        let x = 50.0 + col * cell_w;
        let y = top - (row + 1.0) * cell_h;
        let (iw, ih) = (110.0, 110.0);
        match png_of(b).and_then(|p| decode_png(&p)) {
            Some(r) => {
                let (image_id, mask_id) = (Ref::new(next), Ref::new(next + 1));
                next += 2;
                let name = format!("Im{i}");
                let mask_data = deflate(&r.alpha);
                let mut mask = pdf.image_xobject(mask_id, &mask_data);
                mask.filter(Filter::FlateDecode);
                mask.width(i32::try_from(r.width).map_err(|e| e.to_string())?);
                mask.height(i32::try_from(r.height).map_err(|e| e.to_string())?);
                mask.color_space().device_gray();
                mask.bits_per_component(8);
                mask.finish();
                let rgb = deflate(&r.rgb);
                let mut image = pdf.image_xobject(image_id, &rgb);
                image.filter(Filter::FlateDecode);
                image.width(i32::try_from(r.width).map_err(|e| e.to_string())?);
                image.height(i32::try_from(r.height).map_err(|e| e.to_string())?);
                image.color_space().device_rgb();
                image.bits_per_component(8);
                image.s_mask(mask_id);
                image.finish();
                content.save_state();
                content.transform([iw, 0.0, 0.0, ih, x, y + 80.0]);
                content.x_object(Name(name.as_bytes()));
                content.restore_state();
                images.push((name, image_id));
            }
            None => {
                content.set_line_width(1.0);
                content.rect(x, y + 80.0, iw, ih);
                content.stroke();
                text(
                    &mut content,
                    regular,
                    8.0,
                    x + 6.0,
                    y + 130.0,
                    &clip(&b.name, 24),
                );
            }
        }
        text(&mut content, heavy, 10.0, x, y + 64.0, &clip(&b.name, 30));
        text(
            &mut content,
            regular,
            9.0,
            x,
            y + 50.0,
            &clip(&b.issuer, 34),
        );
        text(
            &mut content,
            regular,
            9.0,
            x,
            y + 37.0,
            b.issued.get(..10).unwrap_or(&b.issued),
        );
    }
    if badges.len() > MAX_BADGES {
        let more = format!(
            "{} {}",
            badges.len() - MAX_BADGES,
            l.t("badges meer: zie de link", "more badges: see the link")
        );
        text(
            &mut content,
            regular,
            10.0,
            50.0,
            top - 3.0 * cell_h - 10.0,
            &more,
        );
    }
    // The QR code of the link, bottom left, with the link and its validity beside it.
    let code = qrcode::QrCode::new(share.link.as_bytes()).map_err(|e| e.to_string())?;
    let n = code.width();
    let side = 150.0;
    #[allow(clippy::cast_precision_loss)]
    let module = side / n as f32;
    let (qx, qy) = (50.0, 50.0);
    for (k, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            #[allow(clippy::cast_precision_loss)]
            let (cx, cy) = ((k % n) as f32, (k / n) as f32);
            content.rect(
                qx + cx * module,
                qy + side - (cy + 1.0) * module,
                module,
                module,
            );
        }
    }
    content.fill_nonzero();
    let tx = qx + side + 20.0;
    text(
        &mut content,
        heavy,
        11.0,
        tx,
        qy + side - 12.0,
        l.t("Controleer deze badges", "Check these badges"),
    );
    text(
        &mut content,
        regular,
        9.0,
        tx,
        qy + side - 28.0,
        l.t("Scan de code, of open:", "Scan the code, or open:"),
    );
    for (j, part) in share.link.as_bytes().chunks(60).enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let y = qy + side - 42.0 - j as f32 * 11.0;
        text(
            &mut content,
            regular,
            8.0,
            tx,
            y,
            &String::from_utf8_lossy(part),
        );
    }
    let valid = format!(
        "{}{}{}{}",
        l.t("Voor ", "For "),
        share.domain,
        l.t(", geldig tot ", ", valid until "),
        share.expires.get(..10).unwrap_or(&share.expires)
    );
    text(&mut content, regular, 9.0, tx, qy + 10.0, &valid);

    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, W, H));
    page.parent(tree);
    page.contents(content_id);
    let mut resources = page.resources();
    resources.fonts().pair(regular, font).pair(heavy, bold);
    let mut xo = resources.x_objects();
    for (name, id) in &images {
        xo.pair(Name(name.as_bytes()), *id);
    }
    xo.finish();
    resources.finish();
    page.finish();
    pdf.stream(content_id, &content.finish());
    Ok(pdf.finish())
}
